// The preload exposes exactly `window.olocus`; the typed contract fills it as operations land.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('olocus', Object.freeze({ version: '0.1.0' }));
