// Placeholder until the ceremony wizard lands (its own issue): it shows what the app is and
// where the headless path lives, so an officer who opens it is not left guessing.
export function App() {
  return (
    <main>
      <h1>Olocus Ceremony</h1>
      <p>
        The ceremony wizard is not part of this build yet. Run a full ceremony from a terminal with{' '}
        <code>npx olocus-ceremony demo --out DIR</code>.
      </p>
    </main>
  );
}
