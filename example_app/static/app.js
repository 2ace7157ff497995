// The demo page: sign in with Cognito's InitiateAuth (USER_PASSWORD_AUTH) from the browser,
// keep the tokens in memory, and call the API with "Authorization: Bearer <token>".
// Whatever comes from Cognito or the API is put on the page as text (textContent), never as HTML.
"use strict";

const config = JSON.parse(document.getElementById("demo-config").textContent);
let tokens = null; // {IdToken, AccessToken, ...}: memory only, gone on reload

const $ = (id) => document.getElementById(id);

const TOKEN_NAMES = {
  id: "the ID token",
  access: "the access token",
  forged: "a forged ID token (cognito:groups edited, signature kept)",
  none: "no token",
};

async function initiateAuth(username, password) {
  const response = await fetch(config.endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: config.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.AuthenticationResult) {
    throw new Error(body.message || body.__type || `HTTP ${response.status}`);
  }
  return body.AuthenticationResult;
}

function decodeSegment(segment) {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function encodeSegment(value) {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = "";
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// What an attacker would try: add "admins" to the groups and keep the old signature.
function forge(token) {
  const [header, payload, signature] = token.split(".");
  const claims = decodeSegment(payload);
  claims["cognito:groups"] = [...(claims["cognito:groups"] || []), "admins"];
  return `${header}.${encodeSegment(claims)}.${signature}`;
}

function tokenFor(kind) {
  if (kind === "none") return null;
  if (!tokens) throw new Error("Sign in first: this call sends a token.");
  if (kind === "access") return tokens.AccessToken;
  if (kind === "forged") return forge(tokens.IdToken);
  return tokens.IdToken;
}

// JSON, pretty-printed, with its keys, strings, numbers and literals in spans for colour.
const JSON_TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

function renderJson(target, value) {
  const text = JSON.stringify(value, null, 2);
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(JSON_TOKEN)) {
    parts.push(text.slice(last, match.index));
    const span = document.createElement("span");
    if (match[1]) {
      span.className = match[2] ? "json-key" : "json-string";
      span.textContent = match[1];
      parts.push(span, match[2] || "");
    } else {
      span.className = match[3] ? "json-literal" : "json-number";
      span.textContent = match[0];
      parts.push(span);
    }
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  target.replaceChildren(...parts);
}

function resetResult() {
  $("result-panel").classList.remove("is-ok", "is-error");
  $("result-status").hidden = true;
  $("result-status").textContent = "";
  $("result-summary").textContent = "No call yet.";
  $("error-code").hidden = true;
  $("error-code").textContent = "";
  $("result-request").hidden = true;
  $("result-request").textContent = "";
  $("result").replaceChildren();
  $("result-hint").hidden = false;
}

function showResult({ summary, status, ok, errorCode, sent, body }) {
  $("result-hint").hidden = true;
  $("result-panel").classList.toggle("is-ok", ok);
  $("result-panel").classList.toggle("is-error", !ok);
  $("result-status").hidden = status === null;
  $("result-status").textContent = status === null ? "" : String(status);
  $("result-summary").textContent = summary;
  $("error-code").hidden = !errorCode;
  $("error-code").textContent = errorCode ? `Error code: ${errorCode}` : "";
  $("result-request").hidden = !sent;
  $("result-request").textContent = sent ? `Sent ${sent}.` : "";
  if (body === undefined) {
    $("result").replaceChildren();
  } else if (typeof body === "string") {
    $("result").textContent = body;
  } else {
    renderJson($("result"), body);
  }
  // On a phone the panel is below the buttons: bring the answer into view.
  const panel = $("result-panel").getBoundingClientRect();
  if (panel.top > window.innerHeight || panel.bottom < 0) {
    $("result-panel").scrollIntoView({ block: "start" });
  }
}

async function callApi(path, kind) {
  let token;
  try {
    token = tokenFor(kind);
  } catch (error) {
    showResult({ summary: error.message, status: null, ok: false, errorCode: null, sent: null });
    return;
  }
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let response;
  try {
    response = await fetch(path, { headers });
  } catch (error) {
    showResult({
      summary: `GET ${path} failed: ${error.message}`,
      status: null, ok: false, errorCode: null, sent: TOKEN_NAMES[kind],
    });
    return;
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  showResult({
    summary: `GET ${path} → ${response.status}`,
    status: response.status,
    ok: response.ok,
    errorCode: response.ok ? null : (body && body.code) || null,
    sent: TOKEN_NAMES[kind],
    body,
  });
}

function setSignedIn(claims) {
  document.body.classList.toggle("signed-in", Boolean(claims));
  document.querySelectorAll("#calls button[data-token]").forEach((button) => {
    button.disabled = !claims && button.dataset.token !== "none";
  });
  $("calls-hint").hidden = Boolean(claims);
  $("sign-out-button").hidden = !claims;
  $("session-details").hidden = !claims;
  if (!claims) {
    $("session-details").textContent = "";
    return;
  }
  const groups = (claims["cognito:groups"] || []).join(", ") || "none";
  const expires = new Date(claims.exp * 1000).toLocaleTimeString();
  $("session-details").textContent = `Groups: ${groups}. The ID token expires at ${expires}.`;
}

function setSession(text, state) {
  $("session").textContent = text;
  $("session").classList.toggle("ok", state === "ok");
  $("session").classList.toggle("error", state === "error");
}

async function signIn(username, password) {
  resetResult();
  tokens = null;
  setSignedIn(null);
  setSession("Signing in…", null);
  $("sign-in-button").disabled = true;
  try {
    tokens = await initiateAuth(username, password);
    const claims = decodeSegment(tokens.IdToken.split(".")[1]);
    setSession(`Signed in as ${claims["cognito:username"]}.`, "ok");
    setSignedIn(claims);
  } catch (error) {
    tokens = null;
    setSession(`Sign-in failed: ${error.message}`, "error");
  } finally {
    $("sign-in-button").disabled = false;
  }
}

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  signIn($("username").value, $("password").value);
});

$("sign-out-button").addEventListener("click", () => {
  tokens = null;
  resetResult();
  setSignedIn(null);
  setSession("Not signed in.", null);
});

document.querySelectorAll("#demo-users button").forEach((button) => {
  button.addEventListener("click", () => {
    $("username").value = button.dataset.username;
    $("password").value = button.dataset.password;
    signIn(button.dataset.username, button.dataset.password);
  });
});

document.querySelectorAll("#calls button[data-path]").forEach((button) => {
  button.addEventListener("click", () => callApi(button.dataset.path, button.dataset.token));
});

setSignedIn(null);
