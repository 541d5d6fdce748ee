import { type FormEvent, useState } from 'react';
import { api, ApiError, type Session } from '../api';
import { Alert, Field, messageOf, Page } from '../ui';

export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await api<Session>('POST', '/sign-in', { email, password }, { quiet401: true }));
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 429 ? 'Too many attempts. Wait a little and try again.' : messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Sign in">
      <form className="card narrow" onSubmit={(event) => void submit(event)} aria-describedby={error ? 'sign-in-error' : undefined}>
        <Field label="E-mail" name="email" type="email" value={email} onChange={setEmail} required autoComplete="username" />
        <Field label="Password" name="password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
        {error && (
          <div id="sign-in-error">
            <Alert>{error}</Alert>
          </div>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="hint">No account yet? Ask your operator for an invite link.</p>
      </form>
    </Page>
  );
}
