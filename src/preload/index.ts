// The preload exposes exactly `window.olocus` (built from the contract in api.ts) and nothing
// else. It runs sandboxed, so the build emits CommonJS (electron.vite.config.ts).
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from './api';

contextBridge.exposeInMainWorld('olocus', buildApi(ipcRenderer));
