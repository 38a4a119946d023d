import type { Demo } from './use-demo.ts'

/** The demo source's switch. */
export const DemoSwitch = ({ demo, isOnline }: { demo: Demo; isOnline: boolean }) => (
  <section class="card side-card" aria-labelledby="demo-heading">
    <div class="demo">
      <div>
        <h2 id="demo-heading" class="side-card__title">
          Demo
        </h2>
        <p id="demo-hint" class="side-card__hint">
          A random notification every <span class="nowrap">5–15 s</span>, for up to 30 minutes.
        </p>
      </div>
      <button
        type="button"
        role="switch"
        class="switch"
        aria-checked={demo.isOn}
        aria-labelledby="demo-heading"
        aria-describedby="demo-hint"
        disabled={!isOnline || demo.isPending}
        onClick={() => {
          demo.set(!demo.isOn)
        }}
      >
        <span class="switch__thumb" aria-hidden="true" />
      </button>
    </div>
    {demo.error === undefined ? null : (
      <p class="side-card__error" role="alert">
        {demo.error}
      </p>
    )}
  </section>
)
