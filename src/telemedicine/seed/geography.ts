/**
 * The demo cohort's geography: the five regions with their share of the population, and three
 * municipalities each (official four-digit municipality codes).
 */

export interface Region {
  code: string;
  name: string;
  /** Share of the demo cohort (roughly the population share). */
  weight: number;
  municipalities: Array<{ code: string; name: string }>;
}

export const REGIONS: Region[] = [
  { code: 'DK-81', name: 'Region Nordjylland', weight: 0.1, municipalities: [{ code: '0851', name: 'Aalborg' }, { code: '0813', name: 'Frederikshavn' }, { code: '0787', name: 'Thisted' }] },
  { code: 'DK-82', name: 'Region Midtjylland', weight: 0.23, municipalities: [{ code: '0751', name: 'Aarhus' }, { code: '0791', name: 'Viborg' }, { code: '0657', name: 'Herning' }] },
  { code: 'DK-83', name: 'Region Syddanmark', weight: 0.21, municipalities: [{ code: '0461', name: 'Odense' }, { code: '0561', name: 'Esbjerg' }, { code: '0621', name: 'Kolding' }] },
  { code: 'DK-84', name: 'Region Hovedstaden', weight: 0.32, municipalities: [{ code: '0101', name: 'København' }, { code: '0147', name: 'Frederiksberg' }, { code: '0219', name: 'Hillerød' }] },
  { code: 'DK-85', name: 'Region Sjælland', weight: 0.14, municipalities: [{ code: '0265', name: 'Roskilde' }, { code: '0259', name: 'Køge' }, { code: '0370', name: 'Næstved' }] },
];

export const FAMILY_NAMES = ['Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen', 'Sørensen', 'Rasmussen', 'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen', 'Thomsen', 'Poulsen', 'Johansen', 'Møller', 'Mortensen', 'Knudsen'];
export const GIVEN_NAMES = {
  female: ['Karen', 'Anne', 'Kirsten', 'Hanne', 'Mette', 'Inge', 'Lene', 'Birgit', 'Susanne', 'Grethe', 'Jytte', 'Bente'],
  male: ['Peter', 'Jens', 'Lars', 'Michael', 'Henrik', 'Søren', 'Niels', 'Hans', 'Poul', 'Ole', 'Erik', 'Bent'],
};

/** Deterministic pseudo-random numbers in [0, 1) from a string seed (FNV-1a into mulberry32). */
export function random(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A CPR number for a birth date: DDMMYY, then four digits (the 7th follows the century rule for
 * people born 1900–1999: 0–3; the last is odd for men, even for women). No modulus-11 check digit:
 * it has not been required since 2007.
 */
export function cprNumber(birthDate: string, gender: 'male' | 'female', rand: () => number): string {
  const [y, m, d] = birthDate.split('-');
  const serial = Math.floor(rand() * 4) * 100 + Math.floor(rand() * 100);
  const last = Math.floor(rand() * 5) * 2 + (gender === 'male' ? 1 : 0);
  return `${d}${m}${y.slice(2)}${String(serial).padStart(3, '0')}${last}`;
}
