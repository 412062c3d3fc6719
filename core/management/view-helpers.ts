import { z } from 'zod';

/** Times leave the API as ISO 8601 strings in UTC. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();
export const isoTimeOrNull = (ms: number | null): string | null => (ms === null ? null : isoTime(ms));

export const IsoTime = z.iso.datetime();
export const Uuid = z.uuid();

/** Booleans are stored as 0/1. */
export const bool = (value: number): boolean => value === 1;
export const bit = (value: boolean): number => (value ? 1 : 0);
