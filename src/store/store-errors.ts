/**
 * An update found no current row (or, through a guard, none the caller may see) and was not
 * allowed to create one at the id it names. A storage fact, not an HTTP answer: the interactions
 * layer says what it means for the request (interactions/storage-outcome.ts).
 */
export class CreateAtIdRefused extends Error {
  constructor(
    readonly resourceType: string,
    readonly id: string,
  ) {
    super(`${resourceType}/${id} does not exist, and creating it at that id is not allowed`);
    this.name = 'CreateAtIdRefused';
  }
}
