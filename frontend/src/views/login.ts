import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError } from "../api";

export function Login(props: { onLoggedIn: () => void }): VNode {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    setError("");
    try {
      await api.login(username, password);
      props.onLoggedIn();
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.message : String(err));
    }
  };
  return html`<form class="login" onSubmit=${submit}>
    <h1>JPRCC</h1>
    <p class="help">Joint Personnel Recovery Coordination Center</p>
    <label>Username <input name="username" autocomplete="username" value=${username}
      onInput=${(e: Event) => setUsername((e.target as HTMLInputElement).value)} autofocus /></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" value=${password}
      onInput=${(e: Event) => setPassword((e.target as HTMLInputElement).value)} /></label>
    <div class="error" data-error-for="login">${error}</div>
    <button class="primary" type="submit">Log in</button>
  </form>`;
}
