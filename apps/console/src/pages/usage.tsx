import { useMemo, useState } from 'react';
import { api, query, type ClientRow, type Session, type UsageReport } from '../api';
import { DailyChart } from '../chart';
import { monthRange, thisMonth } from '../format';
import { Alert, Field, Page, Select, useLoad } from '../ui';

function daysOf(month: string): string[] {
  const { from, to } = monthRange(month);
  const days: string[] = [];
  for (let day = Date.parse(`${from}T00:00:00Z`); day <= Date.parse(`${to}T00:00:00Z`); day += 86_400_000) days.push(new Date(day).toISOString().slice(0, 10));
  return days;
}

export function UsagePage({ session }: { session: Session }) {
  const operator = session.user.role === 'operator';
  const [month, setMonth] = useState(thisMonth());
  const [clientId, setClientId] = useState('');
  const clients = useLoad(() => (operator ? api<ClientRow[]>('GET', '/clients') : Promise.resolve([])), [operator]);
  const chosen = operator ? clientId || clients.data?.[0]?.id || '' : '';
  const ready = !operator || chosen !== '';
  const { from, to } = monthRange(/^\d{4}-\d{2}$/.test(month) ? month : thisMonth());
  const report = (groupBy: string) => () =>
    ready ? api<UsageReport>('GET', `/usage${query({ client_id: chosen || undefined, from, to, group_by: groupBy })}`) : Promise.resolve(undefined);
  const byDay = useLoad(report('day'), [chosen, from]);
  const byTemplate = useLoad(report('template'), [chosen, from]);
  const byCategory = useLoad(report('category'), [chosen, from]);
  const summary = useLoad(() => (operator ? api<UsageSummary>('GET', `/usage/summary${query({ from, to })}`) : Promise.resolve(undefined)), [operator, from]);

  const days = useMemo(() => daysOf(from.slice(0, 7)), [from]);
  const series = useMemo(() => {
    const rows = new Map((byDay.data?.rows ?? []).map((row) => [String(row.day), row]));
    return [
      { label: 'Template sends', color: '#1f6f5c', values: days.map((day) => Number(rows.get(day)?.template_sends ?? 0)) },
      { label: 'Priced messages', color: '#7a4fd1', values: days.map((day) => Number(rows.get(day)?.priced_messages ?? 0)) },
    ];
  }, [byDay.data, days]);

  const csv = `/console/api/statements/${from.slice(0, 7)}${query({ client_id: chosen || undefined, format: 'csv' })}`;
  const error = byDay.error ?? byTemplate.error ?? byCategory.error;
  const totals = byDay.data?.totals;

  return (
    <Page title="Usage" intro="Template sends and priced messages, counted once per message, by UTC day. Only counts are kept: no recipients, no contents.">
      <div className="toolbar">
        {operator && clients.data && (
          <Select
            label="Client"
            name="client"
            value={chosen}
            onChange={setClientId}
            options={clients.data.map((client) => ({ value: client.id, label: client.name }))}
          />
        )}
        <Field label="Month" name="month" type="month" value={month} onChange={setMonth} />
        <a className="button secondary" href={csv} download>
          Download statement (CSV)
        </a>
      </div>
      {error && <Alert>{error}</Alert>}
      {operator && clients.data?.length === 0 && <p>No clients yet.</p>}
      {summary.data && <AllClients summary={summary.data} month={from.slice(0, 7)} chosen={chosen} onChoose={setClientId} />}
      {totals && (
        <div className="stats" aria-label="Totals">
          <div>
            <span className="stat" data-total="template_sends">
              {totals.template_sends}
            </span>
            template sends
          </div>
          <div>
            <span className="stat" data-total="priced_messages">
              {totals.priced_messages}
            </span>
            priced messages
          </div>
        </div>
      )}
      {byDay.data && <DailyChart days={days} series={series} label={`Daily template sends and priced messages, ${from.slice(0, 7)}`} />}
      <div className="columns">
        <ReportTable
          title="By template"
          report={byTemplate.data}
          keys={[
            ['template', 'Template'],
            ['language', 'Language'],
          ]}
        />
        <ReportTable
          title="By category"
          report={byCategory.data}
          keys={[
            ['category', 'Category'],
            ['pricing_type', 'Pricing type'],
          ]}
        />
      </div>
    </Page>
  );
}

interface UsageSummary {
  from: string;
  to: string;
  clients: { client_id: string; name: string; template_sends: number; priced_messages: number }[];
}

/** The operator's overview: every client's month, each with its statement. */
function AllClients({ summary, month, chosen, onChoose }: { summary: UsageSummary; month: string; chosen: string; onChoose: (id: string) => void }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>All clients</caption>
        <thead>
          <tr>
            <th scope="col">Client</th>
            <th scope="col" className="num">
              Template sends
            </th>
            <th scope="col" className="num">
              Priced messages
            </th>
            <th scope="col">Statement</th>
          </tr>
        </thead>
        <tbody>
          {summary.clients.map((client) => (
            <tr key={client.client_id} data-client={client.client_id}>
              <td>
                <button type="button" className="link" aria-pressed={client.client_id === chosen} onClick={() => onChoose(client.client_id)}>
                  {client.name}
                </button>
              </td>
              <td className="num">{client.template_sends}</td>
              <td className="num">{client.priced_messages}</td>
              <td>
                <a href={`/console/api/statements/${month}${query({ client_id: client.client_id, format: 'csv' })}`} download>
                  CSV
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReportTable({ title, report, keys }: { title: string; report: UsageReport | undefined; keys: [string, string][] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            {keys.map(([, label]) => (
              <th key={label} scope="col">
                {label}
              </th>
            ))}
            <th scope="col" className="num">
              Template sends
            </th>
            <th scope="col" className="num">
              Priced messages
            </th>
          </tr>
        </thead>
        <tbody>
          {(report?.rows ?? []).length === 0 && (
            <tr>
              <td colSpan={keys.length + 2} className="muted">
                Nothing this month.
              </td>
            </tr>
          )}
          {report?.rows.map((row, index) => (
            <tr key={index}>
              {keys.map(([key]) => (
                <td key={key}>{String(row[key] ?? '')}</td>
              ))}
              <td className="num">{row.template_sends}</td>
              <td className="num">{row.priced_messages}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
