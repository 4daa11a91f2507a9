// Running the user's editor for `envelope edit`: $VISUAL, else $EDITOR, else vi, through /bin/sh so
// editor commands with arguments ("code --wait") work as they do for git. The file name is passed
// as a separate argument ("$1"), never spliced into the shell command.
import { spawn } from "node:child_process";

/** Runs `command` on `file` and resolves to its exit status (128 + signal number when killed). */
export type EditorRunner = (command: string, file: string) => Promise<number>;

const SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

export function editorCommand(env: Readonly<Record<string, string | undefined>>): string {
  const pick = [env.VISUAL, env.EDITOR].find((e) => e !== undefined && e.trim() !== "");
  return pick ?? "vi";
}

export const spawnEditor: EditorRunner = (command, file) =>
  new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", `${command} "$1"`, "sh", file], { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal !== null ? (SIGNALS[signal] ?? 0) : 0)));
  });
