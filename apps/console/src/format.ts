export const dateTime = (iso: string | null): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : '—';

export const thisMonth = (): string => new Date().toISOString().slice(0, 7);

export function monthRange(month: string): { from: string; to: string } {
  const [year, number] = month.split('-').map(Number);
  const last = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

export const HEALTH_LABEL: Record<string, string> = {
  healthy: 'Healthy',
  failing: 'Failing',
  disabled: 'Disabled (410 Gone)',
  unbound: 'Not bound',
};
