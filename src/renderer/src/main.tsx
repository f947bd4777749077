import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { hasApi } from './api/client';
import { reattach } from './logic/start';
import { appStore } from './store';
import { connectRunEvents } from './store/connect';
import './styles.css';

function sessionStore(): Storage | null {
  try {
    return sessionStorage;
  } catch {
    return null;
  }
}

if (hasApi()) {
  connectRunEvents(window.olocus, appStore);
  void reattach(window.olocus, appStore, sessionStore());
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
