// What the administrator has chosen before a run: the script, the output directory, the
// validated plan, and who is in the room. All of it is public (paths, names, the plan).
import type { StateCreator } from 'zustand/vanilla';
import type { IpcError, ResponseOf } from '../../../shared/olocus-api';

export type Plan = ResponseOf<'validateScript'>['plan'];
export type ScriptCheck = ResponseOf<'validateScript'>;

export interface Person {
  name: string;
  role: 'administrator' | 'officer' | 'witness' | 'auditor';
}

export interface SessionSlice {
  scriptPath: string;
  outDir: string;
  script: ScriptCheck | null;
  scriptError: IpcError | null;
  present: Record<string, boolean>;

  setScriptPath: (path: string) => void;
  setOutDir: (dir: string) => void;
  scriptChecked: (result: ScriptCheck) => void;
  scriptFailed: (error: IpcError) => void;
  setPresent: (name: string, present: boolean) => void;
}

/** Everyone the plan names, once each, in the order the room is introduced. */
export function peopleOf(plan: Plan): Person[] {
  const p = plan.participants;
  const out: Person[] = [{ name: p.administrator, role: 'administrator' }];
  for (const o of p.officers) out.push({ name: o, role: 'officer' });
  for (const w of p.witnesses) out.push({ name: w, role: 'witness' });
  if (p.auditor) out.push({ name: p.auditor, role: 'auditor' });
  const seen = new Set<string>();
  return out.filter((x) =>
    seen.has(`${x.role}:${x.name}`) ? false : seen.add(`${x.role}:${x.name}`),
  );
}

/** Everyone named must be ticked present before the run may start; the names still missing. */
export function missingFromRoom(plan: Plan, present: Record<string, boolean>): string[] {
  return [...new Set(peopleOf(plan).map((p) => p.name))].filter((n) => !present[n]);
}

export const createSessionSlice: StateCreator<SessionSlice, [], [], SessionSlice> = (set) => ({
  scriptPath: '',
  outDir: '',
  script: null,
  scriptError: null,
  present: {},

  setScriptPath: (scriptPath) => set({ scriptPath }),
  setOutDir: (outDir) => set({ outDir }),
  scriptChecked: (script) => set({ script, scriptError: null, present: {} }),
  scriptFailed: (scriptError) => set({ script: null, scriptError, present: {} }),
  setPresent: (name, present) => set((s) => ({ present: { ...s.present, [name]: present } })),
});
