import { type FormEvent, useState } from 'react';
import { api, type ClientRow } from '../api';
import { dateTime } from '../format';
import { Alert, Field, messageOf, Page, Select, useLoad } from '../ui';

export function ClientsPage() {
  const clients = useLoad(() => api<ClientRow[]>('GET', '/clients'), []);
  return (
    <Page title="Clients" intro="Onboard a business, then its WhatsApp numbers. Issue keys and invite its users from Numbers and Invites.">
      {clients.error && <Alert>{clients.error}</Alert>}
      <div className="columns">
        <NewClientForm onCreated={clients.reload} />
        <NewNumberForm clients={clients.data ?? []} onCreated={clients.reload} />
      </div>
      <div className="table-wrap">
        <table>
          <caption>Clients</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Numbers
              </th>
              <th scope="col">Created</th>
              <th scope="col">Id</th>
            </tr>
          </thead>
          <tbody>
            {clients.data?.map((client) => (
              <tr key={client.id}>
                <td>{client.name}</td>
                <td className="num">{client.channels}</td>
                <td>{dateTime(client.created_at)}</td>
                <td>
                  <code>{client.id}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Page>
  );
}

function NewClientForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const created = await api<ClientRow>('POST', '/clients', { name });
      setMessage({ kind: 'ok', text: `Client ${created.name} created.` });
      setName('');
      onCreated();
    } catch (failure) {
      setMessage({ kind: 'error', text: messageOf(failure) });
    }
  };
  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="new-client">
      <h2 id="new-client">New client</h2>
      <Field label="Name" name="name" value={name} onChange={setName} required hint="The business, up to 200 characters." />
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      <button type="submit">Create client</button>
    </form>
  );
}

function NewNumberForm({ clients, onCreated }: { clients: ClientRow[]; onCreated: () => void }) {
  const [clientId, setClientId] = useState('');
  const [phoneNumberId, setPhoneNumberId] = useState('');
  const [wabaId, setWabaId] = useState('');
  const [display, setDisplay] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const chosen = clientId || clients[0]?.id || '';
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api('POST', '/channels', { client_id: chosen, phone_number_id: phoneNumberId, waba_id: wabaId, display_phone_number: display });
      setMessage({ kind: 'ok', text: `Number ${display} added.` });
      setPhoneNumberId('');
      setWabaId('');
      setDisplay('');
      onCreated();
    } catch (failure) {
      setMessage({ kind: 'error', text: messageOf(failure) });
    }
  };
  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="new-number">
      <h2 id="new-number">New number</h2>
      <Select
        label="Client"
        name="client_id"
        value={chosen}
        onChange={setClientId}
        options={clients.map((client) => ({ value: client.id, label: client.name }))}
      />
      <Field
        label="Phone number id"
        name="phone_number_id"
        value={phoneNumberId}
        onChange={setPhoneNumberId}
        required
        pattern="[A-Za-z0-9_\-]{1,64}"
        hint="Meta's id of the number (digits)."
      />
      <Field label="WABA id" name="waba_id" value={wabaId} onChange={setWabaId} required pattern="[A-Za-z0-9_\-]{1,64}" />
      <Field
        label="Display phone number"
        name="display_phone_number"
        value={display}
        onChange={setDisplay}
        required
        hint="As Meta shows it, e.g. 4930609859535."
      />
      {message && <Alert kind={message.kind}>{message.text}</Alert>}
      <button type="submit" disabled={!chosen}>
        Add number
      </button>
    </form>
  );
}
