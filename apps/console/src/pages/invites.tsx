import { type FormEvent, useState } from 'react';
import { api, type ClientRow } from '../api';
import { dateTime } from '../format';
import { Alert, CopyButton, Field, messageOf, Page, Select, useLoad } from '../ui';

interface Invite {
  email: string;
  role: string;
  link: string;
  expires_at: string;
}

export function InvitesPage() {
  const clients = useLoad(() => api<ClientRow[]>('GET', '/clients'), []);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('client');
  const [clientId, setClientId] = useState('');
  const [hours, setHours] = useState('72');
  const [invite, setInvite] = useState<Invite>();
  const [error, setError] = useState<string>();
  const chosen = clientId || clients.data?.[0]?.id || '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      setInvite(
        await api<Invite>('POST', '/invites', {
          email,
          role,
          ...(role === 'client' ? { client_id: chosen } : {}),
          expires_in_hours: Number(hours),
        }),
      );
      setEmail('');
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  return (
    <Page title="Invites" intro="An invite link works once and expires. Copy it and send it to the person yourself: wabridge sends no e-mail.">
      <form className="card narrow" onSubmit={(event) => void submit(event)}>
        <Field label="E-mail" name="email" type="email" value={email} onChange={setEmail} required />
        <Select
          label="Role"
          name="role"
          value={role}
          onChange={setRole}
          options={[
            { value: 'client', label: 'Client user (one client’s numbers and usage)' },
            { value: 'operator', label: 'Operator (everything)' },
          ]}
        />
        {role === 'client' && (
          <Select
            label="Client"
            name="client_id"
            value={chosen}
            onChange={setClientId}
            options={(clients.data ?? []).map((client) => ({ value: client.id, label: client.name }))}
          />
        )}
        <Field label="Expires after (hours)" name="expires_in_hours" type="number" value={hours} onChange={setHours} required hint="1 to 168." />
        {error && <Alert>{error}</Alert>}
        <button type="submit">Create invite link</button>
      </form>
      {invite && (
        <div className="card" role="status">
          <h2>Invite for {invite.email}</h2>
          <p>Expires {dateTime(invite.expires_at)}. It is shown only now.</p>
          <div className="key">
            <label htmlFor="invite-link">Invite link</label>
            <input id="invite-link" readOnly value={invite.link} onFocus={(event) => event.target.select()} />
            <CopyButton text={invite.link} label="Copy link" />
          </div>
        </div>
      )}
    </Page>
  );
}
