import { useState } from 'preact/hooks'
import { AppHeader } from '../src/AppHeader.tsx'
import { formatClock, formatCount, formatRate } from '../src/format.ts'
import { DisconnectForm, PublishForm } from './Actions.tsx'
import { KeyForm } from './KeyForm.tsx'
import { readApiKey, writeApiKey } from './key-store.ts'
import { useAdminData, type AdminData } from './use-admin-data.ts'

const REFUSED = 'The server refused the stored API key. Enter it again.'

/** The operator's view of this node: asks for the API key once, then shows and acts. */
export const AdminApp = () => {
  const [key, setKey] = useState(readApiKey)
  const [notice, setNotice] = useState<string>()
  const forget = (): void => {
    writeApiKey(undefined)
    setKey(undefined)
    setNotice(REFUSED)
  }
  return (
    <>
      <AppHeader title="Admin">
        {key === undefined ? null : (
          <button
            class="button button--quiet button--small"
            type="button"
            onClick={() => {
              writeApiKey(undefined)
              setKey(undefined)
              setNotice(undefined)
            }}
          >
            Forget key
          </button>
        )}
      </AppHeader>
      <main class="admin">
        {key === undefined ? (
          <KeyForm
            notice={notice}
            onKey={(given) => {
              writeApiKey(given)
              setKey(given)
            }}
          />
        ) : (
          <AdminView key={key} apiKey={key} onWrongKey={forget} />
        )}
      </main>
    </>
  )
}

const AdminView = ({ apiKey, onWrongKey }: { apiKey: string; onWrongKey: () => void }) => {
  const { data, problem, refresh } = useAdminData(apiKey, onWrongKey)
  const actions = { apiKey, onDone: refresh, onWrongKey }
  return (
    <>
      {problem === undefined ? null : (
        <p class="admin__problem card" role="alert">
          {problem}
        </p>
      )}
      {data === undefined ? (
        <p class="admin__empty card" role="status">
          Loading…
        </p>
      ) : (
        <>
          <NodeCard data={data} />
          <div class="admin__columns">
            <ChannelsCard channels={data.channels} />
            <section class="card admin__card" aria-labelledby="actions-heading">
              <h2 id="actions-heading" class="admin__heading">
                Actions
              </h2>
              <DisconnectForm {...actions} />
              <PublishForm {...actions} />
            </section>
          </div>
          <DisconnectsCard disconnects={data.disconnects} />
        </>
      )}
    </>
  )
}

const Stat = ({
  label,
  id,
  value,
  unit,
}: {
  label: string
  id: string
  value: string
  unit?: string
}) => (
  <div class="stat">
    <dt>{label}</dt>
    <dd data-testid={id}>
      {value}
      {unit === undefined ? null : <span class="stat__unit">{unit}</span>}
    </dd>
  </div>
)

const NodeCard = ({ data }: { data: AdminData }) => {
  const node = data.info.nodes[0]
  const { scrape, rates } = data
  const pending = '–'
  return (
    <section class="card admin__card" aria-labelledby="node-heading">
      <h2 id="node-heading" class="admin__heading">
        Node <code data-testid="node-id">{node?.node ?? '?'}</code>
        {data.info.version === undefined ? null : (
          <span class="admin__version">v{data.info.version}</span>
        )}
      </h2>
      <dl class="stats">
        <Stat label="Connections" id="connections" value={formatCount(node?.connections ?? 0)} />
        <Stat
          label="Subscriptions"
          id="subscriptions"
          value={formatCount(node?.subscriptions ?? 0)}
        />
        <Stat label="Channels" id="channels" value={formatCount(node?.channels ?? 0)} />
        <Stat
          label="Publications"
          id="publications-rate"
          value={rates === undefined ? pending : formatRate(rates.publicationsPerSec)}
          unit="/s"
        />
        <Stat
          label="Deliveries"
          id="deliveries-rate"
          value={rates === undefined ? pending : formatRate(rates.deliveriesPerSec)}
          unit="/s"
        />
      </dl>
      {scrape === undefined ? (
        <p class="admin__note">This server serves no /metrics: no rates.</p>
      ) : null}
    </section>
  )
}

const ChannelsCard = ({ channels }: { channels: AdminData['channels'] }) => (
  <section class="card admin__card" aria-labelledby="channels-heading">
    <h2 id="channels-heading" class="admin__heading">
      Busiest channels
    </h2>
    {channels.length === 0 ? (
      <p class="admin__note">No channel has subscribers on this node.</p>
    ) : (
      <table class="admin__table" data-testid="channels-table">
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col" class="admin__number">
              Subscribers
            </th>
          </tr>
        </thead>
        <tbody>
          {channels.slice(0, 20).map(({ channel, subscribers }) => (
            <tr key={channel}>
              <td>
                <code>{channel}</code>
              </td>
              <td class="admin__number">{formatCount(subscribers)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
)

const DisconnectsCard = ({ disconnects }: { disconnects: AdminData['disconnects'] }) => (
  <section class="card admin__card" aria-labelledby="disconnects-heading">
    <h2 id="disconnects-heading" class="admin__heading">
      Recent disconnects
    </h2>
    {disconnects.length === 0 ? (
      <p class="admin__note">No connection has closed yet.</p>
    ) : (
      <table class="admin__table" data-testid="disconnects-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">User</th>
            <th scope="col" class="admin__number">
              Code
            </th>
            <th scope="col">Reason</th>
            <th scope="col">By</th>
          </tr>
        </thead>
        <tbody>
          {disconnects.map((entry) => (
            <tr key={`${entry.client}-${entry.time}`}>
              <td class="admin__time">
                <time dateTime={new Date(entry.time).toISOString()}>{formatClock(entry.time)}</time>
              </td>
              <td>
                {entry.user === '' ? (
                  <span class="admin__muted">(before connect)</span>
                ) : (
                  <>
                    <code>{entry.user}</code> <span class="admin__muted">{entry.name}</span>
                  </>
                )}
              </td>
              <td class="admin__number">{entry.code}</td>
              <td>{entry.reason === '' ? <span class="admin__muted">—</span> : entry.reason}</td>
              <td>{entry.by}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
)
