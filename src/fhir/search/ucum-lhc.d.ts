/** The part of @lhncbc/ucum-lhc (no bundled types) that ./ucum.ts uses. */
declare module '@lhncbc/ucum-lhc' {
  interface BaseUnits {
    status: 'succeeded' | 'invalid' | 'failed' | string;
    magnitude?: number;
    unitToExp?: Record<string, number>;
    fromUnitIsSpecial?: boolean;
  }
  export const UcumLhcUtils: {
    getInstance(): { convertToBaseUnits(fromUnit: string, fromVal: number): BaseUnits };
  };
}
