import { api, type Health } from '../api';
import { dateTime } from '../format';
import { Alert, Page, useLoad } from '../ui';

export function HealthPage() {
  const health = useLoad(() => api<Health>('GET', '/health'), []);
  const data = health.data;
  const ratio = data?.delivery.success_ratio;
  return (
    <Page title="Health" intro="Each service's readiness and Kafka consumer lag, the retry and dead-letter backlog, and how deliveries fared.">
      <div className="toolbar">
        <button type="button" className="secondary" onClick={health.reload}>
          Refresh
        </button>
        {data && <span className="muted">Checked {dateTime(data.checked_at)}</span>}
      </div>
      {health.error && <Alert>{health.error}</Alert>}
      {data && (
        <>
          <div className="stats">
            <div>
              <span className="stat" data-stat="success-ratio">
                {ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)} %`}
              </span>
              delivery success {data.delivery.window_minutes === null ? 'since the router started' : `over the last ${data.delivery.window_minutes} min`} (
              {data.delivery.attempts} attempts)
            </div>
            <div>
              <span className="stat" data-stat="retry-depth">
                {data.retry_depth ?? '—'}
              </span>
              waiting for a retry
            </div>
            <div>
              <span className="stat" data-stat="dead-letters">
                {data.dead_letters}
              </span>
              dead letters
            </div>
          </div>
          <div className="table-wrap">
            <table>
              <caption>Services</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Ready</th>
                  <th scope="col" className="num">
                    Consumer lag
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.services.length === 0 && (
                  <tr>
                    <td colSpan={3} className="muted">
                      No services configured (CONSOLE_HEALTH_URLS).
                    </td>
                  </tr>
                )}
                {data.services.map((service) => (
                  <tr key={service.name} data-service={service.name}>
                    <td>{service.name}</td>
                    <td>
                      <span className={`badge badge-${service.ready ? 'healthy' : 'failing'}`}>
                        {service.ready ? 'Ready' : `Not ready${service.error ? ` (${service.error})` : ''}`}
                      </span>
                    </td>
                    <td className="num">{service.consumer_lag ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Page>
  );
}
