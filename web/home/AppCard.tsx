import { AppIcon } from './AppIcon.tsx'
import type { AppEntry } from './apps.ts'

/** An app on the home page: a link when built, a "coming soon" card otherwise. */
export const AppCard = ({ app }: { app: AppEntry }) => {
  const isBuilt = app.href !== undefined
  const body = (
    <>
      <span class="app-card__icon">
        <AppIcon name={app.icon} />
      </span>
      <span class="app-card__text">
        <span class="app-card__title">
          <span class="app-card__name">{app.name}</span>
          {isBuilt ? null : <span class="badge">Coming soon</span>}
        </span>
        <span class="app-card__blurb">{app.blurb}</span>
      </span>
    </>
  )
  return (
    <li>
      {isBuilt ? (
        <a class="app-card card" href={app.href}>
          {body}
        </a>
      ) : (
        <div class="app-card card app-card--soon">{body}</div>
      )}
    </li>
  )
}
