/**
 * Narrative XHTML (Narrative.div), the rules behind R4's txt-1 and txt-2 (`htmlChecks()`, which
 * fhirpath.js does not implement). https://hl7.org/fhir/R4/narrative.html#xhtml
 *
 * - well-formed XML with one root, a `div` in the XHTML namespace;
 * - only the basic HTML 4.0 formatting elements and their attributes, `<a>` (name or href) and
 *   images: no script, style sheet, form, frame, object, event attribute (`onclick`) or
 *   `javascript:` URL; no doctype or processing instruction; no block element inside a `<p>`;
 * - some non-whitespace content (txt-2): text or an image.
 * The element and attribute lists are the HL7 reference validator's. A small scanner rather than
 * a DOM: the resource is already in memory, and narratives are short.
 */

const XHTML_NS = 'http://www.w3.org/1999/xhtml';

const ELEMENTS = new Set(
  ('p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite blockquote hr address bdo kbd ' +
    'sub sup ul ol li dl dt dd pre table caption colgroup col thead tr tfoot tbody th td code samp img map area').split(' '),
);
const ATTRIBUTES = new Set(
  ('title style class id lang xml:lang dir accesskey tabindex span width align valign char charoff abbr axis headers scope rowspan colspan').split(' '),
);
/** Attributes allowed on one element only (`a.href`). */
const ELEMENT_ATTRIBUTES = new Set(
  ('a.href a.name a.charset a.type a.hreflang a.rel a.rev a.shape a.coords img.src img.border img.alt img.longdesc img.height ' +
    'img.width img.usemap img.ismap div.xmlns blockquote.cite q.cite map.name area.shape area.coords area.href area.nohref area.alt ' +
    'table.summary table.width table.border table.frame table.rules table.cellspacing table.cellpadding pre.space td.nowrap').split(' '),
);
const BLOCKS = new Set(['div', 'blockquote', 'table', 'ol', 'ul', 'p']);
const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
const ENTITY = /^&(?:#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});/;
/** Reporting stops after a few problems: the first ones say what is wrong. */
const MAX_PROBLEMS = 5;

/** The problems of a narrative's XHTML, empty when it is valid. */
export function checkXhtml(xhtml: string): string[] {
  return new XhtmlScan(xhtml).run();
}

class XhtmlScan {
  private i = 0;
  private readonly problems: string[] = [];
  private readonly open: string[] = [];
  private paragraphs = 0;
  private roots = 0;
  private content = false;

  constructor(private readonly s: string) {}

  run(): string[] {
    const s = this.s;
    while (this.i < s.length && this.problems.length < MAX_PROBLEMS) {
      const lt = s.indexOf('<', this.i);
      const end = lt < 0 ? s.length : lt;
      if (end > this.i) this.text(s.slice(this.i, end));
      this.i = end;
      if (lt < 0) break;
      if (s.startsWith('<!--', lt)) this.comment();
      else if (s.startsWith('<![CDATA[', lt)) this.cdata();
      else if (s.startsWith('<!', lt)) this.fail('a DOCTYPE or declaration is not allowed in the XHTML', true);
      else if (s.startsWith('<?', lt)) this.fail('processing instructions are not allowed in the XHTML', true);
      else if (s.startsWith('</', lt)) this.close();
      else this.element();
    }
    if (this.problems.length) return this.problems;
    if (this.open.length) return [`the XHTML is not well-formed: <${this.open[this.open.length - 1]}> is not closed`];
    if (this.roots === 0) return ['the XHTML has no root element; it must be a <div>'];
    if (!this.content) return ['The narrative SHALL have some non-whitespace content (txt-2)'];
    return [];
  }

  private text(t: string): void {
    if (/[^ \t\r\n]/.test(t)) {
      if (this.open.length === 0) this.fail('text outside the root <div> of the XHTML');
      this.content = true;
    }
    this.entities(t);
  }

  private entities(t: string): void {
    for (let amp = t.indexOf('&'); amp >= 0; amp = t.indexOf('&', amp + 1)) {
      if (!ENTITY.test(t.slice(amp, amp + 40))) {
        this.fail(`the XHTML is not well-formed: '&' must start an entity such as &amp;`);
        return;
      }
    }
  }

  private comment(): void {
    const end = this.s.indexOf('-->', this.i + 4);
    if (end < 0) return this.fail('the XHTML is not well-formed: a comment is not closed', true);
    if (/^\s*DOCTYPE/.test(this.s.slice(this.i + 4, end))) this.fail('a DOCTYPE is not allowed in the XHTML');
    this.i = end + 3;
  }

  private cdata(): void {
    const end = this.s.indexOf(']]>', this.i);
    if (end < 0) return this.fail('the XHTML is not well-formed: a CDATA section is not closed', true);
    if (/[^ \t\r\n]/.test(this.s.slice(this.i + 9, end))) this.content = true;
    this.i = end + 3;
  }

  private close(): void {
    const end = this.s.indexOf('>', this.i);
    if (end < 0) return this.fail('the XHTML is not well-formed: a closing tag is not finished', true);
    const name = this.s.slice(this.i + 2, end).trim();
    const expected = this.open.pop();
    if (name !== expected) return this.fail(`the XHTML is not well-formed: </${name}> closes ${expected ? `<${expected}>` : 'nothing'}`, true);
    if (name === 'p') this.paragraphs--;
    this.i = end + 1;
  }

  private element(): void {
    const s = this.s;
    let j = this.i + 1;
    while (j < s.length && !/[\s/>]/.test(s[j])) j++;
    const name = s.slice(this.i + 1, j);
    if (!NAME.test(name)) return this.fail(`the XHTML is not well-formed: '<' must start a tag`, true);
    const attributes = new Map<string, string>();
    for (;;) {
      while (j < s.length && /\s/.test(s[j])) j++;
      if (j >= s.length) return this.fail(`the XHTML is not well-formed: <${name}> is not finished`, true);
      if (s[j] === '>' || s.startsWith('/>', j)) break;
      const m = /^([A-Za-z_][A-Za-z0-9_.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/.exec(s.slice(j, j + 4096));
      if (!m) return this.fail(`the XHTML is not well-formed: a malformed attribute on <${name}>`, true);
      if (attributes.has(m[1])) return this.fail(`the XHTML is not well-formed: attribute '${m[1]}' occurs twice on <${name}>`, true);
      const value = m[2] ?? m[3] ?? '';
      this.entities(value);
      attributes.set(m[1], value);
      j += m[0].length;
    }
    const selfClosing = s[j] === '/';
    this.i = j + (selfClosing ? 2 : 1);
    this.check(name, attributes);
    if (selfClosing) return;
    this.open.push(name);
    if (name === 'p') this.paragraphs++;
  }

  private check(name: string, attributes: Map<string, string>): void {
    const xmlns = attributes.get('xmlns');
    if (this.open.length === 0) {
      this.roots++;
      if (this.roots > 1) this.fail('the XHTML has more than one root element');
      if (name !== 'div') this.fail(`Wrong name on the XHTML ('${name}') - must start with div`);
      if (xmlns !== XHTML_NS) this.fail(`Wrong namespace on the XHTML ('${xmlns ?? ''}', should be '${XHTML_NS}')`);
    } else if (xmlns !== undefined && xmlns !== XHTML_NS) {
      this.fail(`Wrong namespace on the XHTML ('${xmlns}', should be '${XHTML_NS}')`);
    }
    if (!ELEMENTS.has(name)) this.fail(`Illegal element name in the XHTML ('${name}')`);
    if (this.paragraphs > 0 && BLOCKS.has(name)) this.fail(`Illegal element name inside in a paragraph in the XHTML ('${name}')`);
    if (name === 'img') this.content = true;
    for (const [attribute, value] of attributes) {
      if (attribute.startsWith('xmlns') || attribute === 'xml:space') continue;
      if (!ATTRIBUTES.has(attribute) && !ELEMENT_ATTRIBUTES.has(`${name}.${attribute}`)) {
        this.fail(`Illegal attribute name in the XHTML ('${attribute}' on '${name}')`);
      } else if ((attribute === 'href' || attribute === 'src' || attribute === 'cite' || attribute === 'longdesc') && /^\s*(?:javascript|vbscript):/i.test(value)) {
        this.fail(`Illegal URL in the XHTML ('${value.slice(0, 40)}' on '${name}'): scripts are not allowed`);
      }
    }
  }

  /** Record a problem; `fatal` ones make the rest unreadable, so the scan stops. */
  private fail(problem: string, fatal = false): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    if (fatal) this.i = this.s.length;
  }
}
