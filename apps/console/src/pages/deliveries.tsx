import { type FormEvent, useState } from 'react';
import { api, type Channel, type Delivery } from '../api';
import { dateTime } from '../format';
import { Alert, Field, messageOf, Page, Select, useLoad } from '../ui';

const STATES = [
  { value: '', label: 'Any state' },
  { value: 'retry_scheduled', label: 'Waiting for a retry' },
  { value: 'dead', label: 'Dead-lettered' },
  { value: 'delivered', label: 'Delivered after retrying' },
];

export function DeliveriesPage() {
  const channels = useLoad(() => api<{ data: Channel[] }>('GET', '/channels'), []);
  const [channelId, setChannelId] = useState('');
  const [state, setState] = useState('');
  const chosen = channelId || channels.data?.data[0]?.id || '';
  const deliveries = useLoad(
    () => (chosen ? api<{ data: Delivery[] }>('GET', `/channels/${chosen}/deliveries?limit=200`) : Promise.resolve({ data: [] })),
    [chosen],
  );
  const dead = useLoad(
    () => (chosen ? api<{ data: Delivery[] }>('GET', `/dead-letters?channel_id=${chosen}&limit=200`) : Promise.resolve({ data: [] })),
    [chosen],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  const replay = async (body: unknown) => {
    setMessage(undefined);
    try {
      const result = await api<{ replayed: number }>('POST', '/dead-letters/replay', body);
      setMessage({ kind: 'ok', text: `Replayed ${result.replayed} event${result.replayed === 1 ? '' : 's'}.` });
      setSelected(new Set());
      dead.reload();
      deliveries.reload();
    } catch (failure) {
      setMessage({ kind: 'error', text: messageOf(failure) });
    }
  };

  const replayRange = (event: FormEvent) => {
    event.preventDefault();
    const iso = (local: string) => new Date(`${local}Z`).toISOString();
    if (!from || !to) return setMessage({ kind: 'error', text: 'Give both ends of the time range.' });
    void replay({ channel_id: chosen, from: iso(from), to: iso(to) });
  };

  const shown = (deliveries.data?.data ?? []).filter((row) => !state || row.state === state);
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Page title="Deliveries" intro="Events a partner did not take at the first attempt: their retries, and the dead letters whose 7-day window ended.">
      <div className="toolbar">
        <Select
          label="Number"
          name="channel"
          value={chosen}
          onChange={(value) => {
            setChannelId(value);
            setSelected(new Set());
          }}
          options={(channels.data?.data ?? []).map((channel) => ({ value: channel.id, label: `${channel.display_phone_number} · ${channel.client_name}` }))}
        />
        <Select label="State" name="state" value={state} onChange={setState} options={STATES} />
      </div>
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      {(deliveries.error ?? dead.error) && <Alert>{deliveries.error ?? dead.error}</Alert>}

      <h2>Dead letters</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Dead letters of the number</caption>
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Select</span>
              </th>
              <th scope="col">Event</th>
              <th scope="col">Destination</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Last answer</th>
              <th scope="col">Dead since</th>
            </tr>
          </thead>
          <tbody>
            {(dead.data?.data ?? []).length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No dead letters.
                </td>
              </tr>
            )}
            {dead.data?.data.map((row) => (
              <tr key={`${row.event_id}/${row.destination}`} data-event={row.event_id}>
                <td>
                  <input type="checkbox" aria-label={`Select ${row.event_id}`} checked={selected.has(row.event_id)} onChange={() => toggle(row.event_id)} />
                </td>
                <td>
                  <code>{row.event_id}</code>
                </td>
                <td>{row.destination}</td>
                <td className="num">{row.attempts}</td>
                <td>{row.last_status_code ?? row.last_error ?? '—'}</td>
                <td>{dateTime(row.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="actions">
        <button type="button" disabled={selected.size === 0} onClick={() => void replay({ ids: [...selected] })}>
          Replay selected ({selected.size})
        </button>
      </div>
      <form className="card" onSubmit={replayRange} aria-labelledby="replay-range">
        <h2 id="replay-range">Replay by time range</h2>
        <p className="hint">Every dead letter of this number that arrived in the range (UTC) goes to the destination bound now.</p>
        <div className="columns">
          <Field label="From (UTC)" name="from" type="datetime-local" value={from} onChange={setFrom} required />
          <Field label="To (UTC)" name="to" type="datetime-local" value={to} onChange={setTo} required />
        </div>
        <button type="submit" className="secondary" disabled={!chosen}>
          Replay range
        </button>
      </form>

      <h2>Delivery attempts</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Delivery attempts of the number</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Destination</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Last answer</th>
              <th scope="col" className="num">
                Latency
              </th>
              <th scope="col">Next attempt</th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  Nothing here: every event was delivered at the first attempt.
                </td>
              </tr>
            )}
            {shown.map((row) => (
              <tr key={`${row.event_id}/${row.destination}`}>
                <td>
                  <code>{row.event_id}</code>
                </td>
                <td>{row.destination}</td>
                <td>
                  <span className={`badge badge-${row.state === 'delivered' ? 'healthy' : row.state === 'dead' ? 'failing' : 'disabled'}`}>{row.state}</span>
                </td>
                <td className="num">{row.attempts}</td>
                <td>{row.last_status_code ?? row.last_error ?? '—'}</td>
                <td className="num">{row.last_latency_ms === null ? '—' : `${row.last_latency_ms} ms`}</td>
                <td>{dateTime(row.next_attempt_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Page>
  );
}
