// The demo page: sign in with Cognito's InitiateAuth (USER_PASSWORD_AUTH) from the browser,
// keep the tokens in memory, and call the API with "Authorization: Bearer <token>".
"use strict";

const config = JSON.parse(document.getElementById("demo-config").textContent);
let tokens = null; // {IdToken, AccessToken, ...}: memory only, gone on reload

const $ = (id) => document.getElementById(id);

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
  const body = await response.json();
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
  if (!tokens) throw new Error("sign in first");
  if (kind === "access") return tokens.AccessToken;
  if (kind === "forged") return forge(tokens.IdToken);
  return tokens.IdToken;
}

function show(summary, body, errorCode) {
  $("result-summary").textContent = summary;
  $("result").textContent = JSON.stringify(body, null, 2);
  $("error-code").hidden = !errorCode;
  $("error-code").textContent = errorCode ? `Error code: ${errorCode}` : "";
}

async function callApi(path, kind) {
  let token;
  try {
    token = tokenFor(kind);
  } catch (error) {
    show(error.message, {}, null);
    return;
  }
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(path, { headers });
  const body = await response.json();
  const summary = `GET ${path} → ${response.status}`;
  show(summary, body, response.ok ? null : body.code);
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("session").textContent = "Signing in…";
  try {
    tokens = await initiateAuth($("username").value, $("password").value);
    const claims = decodeSegment(tokens.IdToken.split(".")[1]);
    $("session").textContent = `Signed in as ${claims["cognito:username"]}.`;
    $("sign-out-button").hidden = false;
  } catch (error) {
    tokens = null;
    $("session").textContent = `Sign-in failed: ${error.message}`;
  }
});

$("sign-out-button").addEventListener("click", () => {
  tokens = null;
  $("session").textContent = "Not signed in.";
  $("sign-out-button").hidden = true;
});

document.querySelectorAll("#calls button").forEach((button) => {
  button.addEventListener("click", () => callApi(button.dataset.path, button.dataset.token));
});
