import { useEffect, useRef, useState } from 'react';
import { api, type Channel, type ClientRow, type Session } from '../api';
import { dateTime, HEALTH_LABEL } from '../format';
import { Alert, CopyButton, Field, messageOf, Page, Select, useLoad } from '../ui';

export function NumbersPage({ session }: { session: Session }) {
  const operator = session.user.role === 'operator';
  const [clientId, setClientId] = useState('');
  const clients = useLoad(() => (operator ? api<ClientRow[]>('GET', '/clients') : Promise.resolve([])), [operator]);
  const channels = useLoad(() => api<{ data: Channel[] }>('GET', `/channels${clientId ? `?client_id=${clientId}` : ''}`), [clientId]);
  const [generating, setGenerating] = useState<Channel>();

  return (
    <Page
      title="Numbers"
      intro={
        operator
          ? 'Every client’s WhatsApp numbers, whether a key is issued and where their webhooks go.'
          : `The WhatsApp numbers of ${session.user.client_name ?? 'your business'}. Give a number’s API key to the partner you choose; generating a new one moves the number to whoever gets the new key.`
      }
    >
      {operator && clients.data && (
        <div className="toolbar">
          <Select
            label="Client"
            name="client"
            value={clientId}
            onChange={setClientId}
            options={[{ value: '', label: 'All clients' }, ...clients.data.map((client) => ({ value: client.id, label: client.name }))]}
          />
        </div>
      )}
      {channels.error && <Alert>{channels.error}</Alert>}
      {channels.data && channels.data.data.length === 0 && <p>No numbers yet.</p>}
      <ul className="cards" aria-label="Numbers">
        {channels.data?.data.map((channel) => (
          <li key={channel.id} className="card number" data-channel={channel.id}>
            <h2>{channel.display_phone_number}</h2>
            {operator && <p className="muted">{channel.client_name}</p>}
            <dl>
              <dt>API key</dt>
              <dd data-field="key">{channel.key_issued_at ? `Issued ${dateTime(channel.key_issued_at)}` : 'No key issued'}</dd>
              <dt>Webhook</dt>
              <dd data-field="host">{channel.webhook_host ?? 'Not bound'}</dd>
              <dt>Delivery</dt>
              <dd>
                <span className={`badge badge-${channel.delivery.health}`} data-field="health">
                  {HEALTH_LABEL[channel.delivery.health]}
                </span>
                {channel.delivery.health === 'failing' && (
                  <span className="muted">
                    {' '}
                    {channel.delivery.retrying} retrying, {channel.delivery.dead_last_24h} dead-lettered in 24 h
                  </span>
                )}
              </dd>
            </dl>
            <button type="button" onClick={() => setGenerating(channel)}>
              Generate API key
            </button>
          </li>
        ))}
      </ul>
      {generating && (
        <GenerateKeyDialog
          channel={generating}
          onClose={() => {
            setGenerating(undefined);
            channels.reload();
          }}
        />
      )}
    </Page>
  );
}

/** Confirm, then show the key once. Closing the dialog forgets it: it cannot be shown again. */
function GenerateKeyDialog({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [key, setKey] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // the slot is asked for only when the number may have several partners
  const severalSlots = channel.partner_slots > 1;
  const [slot, setSlot] = useState(channel.slots[0]?.slot ?? '1');
  const slotInUse = channel.slots.find((candidate) => candidate.slot === slot);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const generate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = severalSlots ? { slot } : undefined;
      setKey((await api<{ api_key: string }>('POST', `/channels/${channel.id}/api-keys`, body)).api_key);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} aria-labelledby="generate-title" onClose={onClose}>
      <h2 id="generate-title">{key ? 'Your new API key' : `Generate an API key for ${channel.display_phone_number}?`}</h2>
      {!key ? (
        <>
          {severalSlots ? (
            <>
              <p>
                This number has {channel.partner_slots} partner slots; each has its own key and its own webhook. A new key{' '}
                <strong>revokes the older key of the slot you name</strong> and <strong>drops that slot’s webhook binding</strong>
                {slotInUse?.bound ? ' (it stops receiving this number’s messages)' : ''}; the other slots keep working. Whoever you give the new key to binds
                that slot next.
              </p>
              <Field
                label="Partner slot"
                name="slot"
                value={slot}
                onChange={setSlot}
                pattern="[A-Za-z0-9][A-Za-z0-9_\-]{0,31}"
                hint={`A label of your choice, such as 1, 2 or chatbot. In use: ${channel.slots.map((candidate) => candidate.slot).join(', ') || 'none'}.`}
              />
            </>
          ) : (
            <p>
              A new key <strong>revokes every older key</strong> of this number at once and <strong>drops its current webhook binding</strong>
              {channel.webhook_host ? ' (it stops receiving this number’s messages)' : ''}. Whoever you give the new key to binds the number next.
            </p>
          )}
          {error && <Alert>{error}</Alert>}
          <div className="actions">
            <button type="button" onClick={() => void generate()} disabled={busy}>
              {busy ? 'Generating…' : 'Generate new key'}
            </button>
            <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
          </div>
        </>
      ) : (
        <>
          <p>Copy it now: it is shown only this once and cannot be retrieved later.</p>
          <div className="key">
            <label htmlFor="new-key">API key</label>
            <input id="new-key" readOnly value={key} onFocus={(event) => event.target.select()} data-secret="api-key" />
            <CopyButton text={key} label="Copy key" />
          </div>
          <div className="actions">
            <button type="button" onClick={() => dialog.current?.close()}>
              Done
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
