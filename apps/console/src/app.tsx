import { useEffect, useState } from 'react';
import { api, setSession, whenSignedOut, type Session } from './api';
import { ClientsPage } from './pages/clients';
import { DeliveriesPage } from './pages/deliveries';
import { HealthPage } from './pages/health';
import { InviteAcceptPage } from './pages/invite-accept';
import { InvitesPage } from './pages/invites';
import { NumbersPage } from './pages/numbers';
import { SignInPage } from './pages/sign-in';
import { UsagePage } from './pages/usage';
import { go, useRoute } from './router';

const CLIENT_NAV = [
  ['numbers', 'Numbers'],
  ['usage', 'Usage'],
] as const;

const OPERATOR_NAV = [
  ['numbers', 'Numbers'],
  ['clients', 'Clients'],
  ['invites', 'Invites'],
  ['deliveries', 'Deliveries'],
  ['usage', 'Usage'],
  ['health', 'Health'],
] as const;

export function App() {
  const route = useRoute();
  const [session, setCurrent] = useState<Session | null | undefined>(undefined);

  const signedIn = (value: Session | null) => {
    setSession(value ?? undefined);
    setCurrent(value);
  };

  useEffect(() => {
    whenSignedOut(() => {
      signedIn(null);
      go('sign-in');
    });
    api<Session>('GET', '/session', undefined, { quiet401: true }).then(signedIn, () => signedIn(null));
  }, []);

  const [page, ...rest] = route;
  if (page === 'invite' && rest[0]) return <Shell session={null}>{<InviteAcceptPage token={rest[0]} />}</Shell>;
  if (session === undefined) return <Shell session={null}>{<p aria-busy="true">Loading…</p>}</Shell>;
  if (session === null) {
    return (
      <Shell session={null}>
        <SignInPage
          onSignedIn={(value) => {
            signedIn(value);
            go('numbers');
          }}
        />
      </Shell>
    );
  }
  const operator = session.user.role === 'operator';
  const nav = operator ? OPERATOR_NAV : CLIENT_NAV;
  const current = nav.some(([path]) => path === page) ? page : 'numbers';
  if (page !== current && page !== undefined && page !== 'sign-in') {
    return (
      <Shell session={session} onSignOut={() => signedIn(null)} nav={nav} current={current}>
        <section aria-labelledby="page-title">
          <h1 id="page-title">Not available</h1>
          <p className="alert alert-error" role="alert">
            This page is not available to your account.
          </p>
        </section>
      </Shell>
    );
  }
  return (
    <Shell session={session} onSignOut={() => signedIn(null)} nav={nav} current={current}>
      {current === 'numbers' && <NumbersPage session={session} />}
      {current === 'usage' && <UsagePage session={session} />}
      {current === 'clients' && <ClientsPage />}
      {current === 'invites' && <InvitesPage />}
      {current === 'deliveries' && <DeliveriesPage />}
      {current === 'health' && <HealthPage />}
    </Shell>
  );
}

function Shell(props: {
  session: Session | null;
  onSignOut?: () => void;
  nav?: readonly (readonly [string, string])[];
  current?: string;
  children: React.ReactNode;
}) {
  const { session } = props;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="#/numbers">
          wabridge
        </a>
        {props.nav && (
          <nav aria-label="Main">
            <ul>
              {props.nav.map(([path, label]) => (
                <li key={path}>
                  <a href={`#/${path}`} aria-current={props.current === path ? 'page' : undefined}>
                    {label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {session && (
          <div className="who">
            <span>
              {session.user.email}
              <small>{session.user.role === 'operator' ? 'Operator' : session.user.client_name}</small>
            </span>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                void api('POST', '/sign-out').finally(() => {
                  props.onSignOut?.();
                  go('sign-in');
                });
              }}
            >
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main">{props.children}</main>
    </>
  );
}
