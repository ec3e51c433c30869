// The common operational picture of jprcc.
import { html } from "htm/preact";
import { render } from "preact";
import { api } from "./api";
import type { Config } from "./api";
import { connectFeed, loadSession, refreshAll } from "./data";
import { reset, state, update } from "./store";
import "./styles.css";
import { setClock } from "./time";
import { App } from "./views/app";
import { Login } from "./views/login";

const root = document.getElementById("app")!;
document.documentElement.dataset.theme = state.theme;
window.addEventListener("hashchange", () => update({ route: location.hash || "#/map" }));

function showLogin(): void {
  reset();
  render(html`<div class="shell"><div class="classification">${state.config?.classification ?? ""}</div>
    <${Login} onLoggedIn=${() => void start()} />
    <div class="classification">${state.config?.classification ?? ""}</div></div>`, root);
}

async function start(): Promise<void> {
  if (!(await loadSession())) {
    showLogin();
    return;
  }
  render(null, root);
  render(html`<${App} onLogout=${showLogin} />`, root);
  connectFeed(showLogin);
  await refreshAll();
}

async function boot(attempt = 0): Promise<void> {
  try {
    const config = await api.get<Config>("/api/config");
    setClock(config);
    update({ config });
  } catch {
    // the node is not answering (restarting?): say so, and try again
    root.textContent = "The coordination center is not answering; trying again…";
    window.setTimeout(() => void boot(attempt + 1), Math.min(30_000, 1000 * 2 ** attempt));
    return;
  }
  document.title = `${state.config?.classification} — jprcc`;
  await start();
}

void boot();
