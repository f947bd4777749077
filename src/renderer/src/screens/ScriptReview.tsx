// Screen 2: the plan, step by step, as the room reviews it; or every problem with its line and
// column when the script does not validate.
import { ErrorNote, Row, Screen } from '../components/common';
import { scriptIssues } from '../logic/text';
import { appStore, useApp } from '../store';

export function ScriptReview() {
  const script = useApp((s) => s.script);
  const error = useApp((s) => s.scriptError);
  const path = useApp((s) => s.scriptPath);

  if (error) {
    const issues = scriptIssues(error.message);
    return (
      <Screen
        title="Script review"
        intro={`The script ${path} does not validate; nothing can start until it does.`}
      >
        <section className="panel" aria-labelledby="problems">
          <h2 id="problems">
            {issues.length} problem{issues.length === 1 ? '' : 's'}
          </h2>
          <ol className="issues" role="list">
            {issues.map((i, n) => (
              <li key={n}>
                {i.line !== null ? (
                  <span className="loc">
                    line {i.line}, column {i.col}
                  </span>
                ) : null}
                <span>{i.message}</span>
              </li>
            ))}
          </ol>
          <ErrorNote
            error={{ code: error.code, message: `Error ${error.code}: invalid script` }}
            title="Not valid"
          />
          <div className="actions">
            <button type="button" onClick={() => appStore.getState().go('home')}>
              Back to Home
            </button>
          </div>
        </section>
      </Screen>
    );
  }

  if (!script) {
    return (
      <Screen title="Script review" intro="No script has been reviewed yet.">
        <button type="button" onClick={() => appStore.getState().go('home')}>
          Choose a script
        </button>
      </Screen>
    );
  }

  const { plan } = script;
  return (
    <Screen
      title="Script review"
      intro="Read the plan aloud. Every step below runs in this order; nothing else will."
    >
      <section className="panel" aria-labelledby="ceremony">
        <h2 id="ceremony">{plan.ceremony.name}</h2>
        <dl className="facts">
          <Row term="Ceremony id">{plan.ceremony.id}</Row>
          <Row term="Location">{plan.ceremony.location}</Row>
          <Row term="HSM">
            <code>{plan.hsm}</code>
          </Row>
          {plan.targets.map((t) => (
            <Row key={t.name} term={`Target HSM “${t.name}”`}>
              <code>{t.uri}</code>
            </Row>
          ))}
          <Row term="Quorum">{plan.quorum}</Row>
          <Row term="Script">
            <code>{script.file}</code>
          </Row>
          <Row term="Script SHA-256">
            <code className="hash">{script.sha256}</code>
          </Row>
        </dl>
      </section>
      <section className="panel" aria-labelledby="steps">
        <h2 id="steps">Steps</h2>
        <ol className="steps">
          {plan.steps.map((s) => (
            <li key={s.id}>
              <div className="step-head">
                <span className="step-no">{s.number}</span>
                <strong>{s.title}</strong>
                <code className="muted">{s.type}</code>
                {s.needsQuorum ? <span className="badge badge-quorum">quorum</span> : null}
                {s.witness !== 'none' ? (
                  <span className="badge badge-witness">witness {s.witness}</span>
                ) : null}
              </div>
              <ul>
                {s.actions.map((a, i) => (
                  <li key={i}>{a}</li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      </section>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => appStore.getState().go('home')}>
          Back
        </button>
        <button type="button" onClick={() => appStore.getState().go('hsm')}>
          Continue to HSM
        </button>
      </div>
    </Screen>
  );
}
