import { type FormEvent, useState } from 'react';
import { api } from '../api';
import { go } from '../router';
import { Alert, Field, messageOf, Page, useLoad } from '../ui';

interface Invite {
  email: string;
  role: 'operator' | 'client';
  client_name: string | null;
  expires_at: string;
}

export function InviteAcceptPage({ token }: { token: string }) {
  const invite = useLoad(() => api<Invite>('POST', '/invites/inspect', { token }, { quiet401: true }), [token]);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== repeat) {
      setError('The two passwords differ.');
      return;
    }
    try {
      await api('POST', '/invites/accept', { token, password }, { quiet401: true });
      setDone(true);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

  if (invite.error) {
    return (
      <Page title="Invite">
        <Alert>{invite.error}</Alert>
        <p>
          <a href="#/sign-in">Go to sign-in</a>
        </p>
      </Page>
    );
  }
  if (!invite.data) return <p aria-busy="true">Loading…</p>;
  if (done) {
    return (
      <Page title="Password set">
        <Alert kind="ok">Your account {invite.data.email} is ready.</Alert>
        <button type="button" onClick={() => go('sign-in')}>
          Continue to sign-in
        </button>
      </Page>
    );
  }
  return (
    <Page
      title="Set your password"
      intro={
        <>
          Invite for <strong>{invite.data.email}</strong>
          {invite.data.role === 'operator' ? ' as an operator' : ` for ${invite.data.client_name ?? 'a client'}`}. The link works once.
        </>
      }
    >
      <form className="card narrow" onSubmit={(event) => void submit(event)}>
        <Field
          label="New password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          required
          minLength={12}
          autoComplete="new-password"
          hint="At least 12 characters."
        />
        <Field
          label="Repeat the password"
          name="repeat"
          type="password"
          value={repeat}
          onChange={setRepeat}
          required
          minLength={12}
          autoComplete="new-password"
        />
        {error && <Alert>{error}</Alert>}
        <button type="submit">Set password</button>
      </form>
    </Page>
  );
}
