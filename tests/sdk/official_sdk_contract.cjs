// Drives Juspay's official Node SDK (expresscheckout-nodejs, pinned in package-lock.json) against a Juspay
// endpoint, normally the simulator over HTTPS, and prints one JSON object with what the SDK returned:
//
//   order_status      juspay.order.status(ORDER_ID)
//   refund            juspay.order.refund(ORDER_ID, {unique_request_id, amount})
//   repeated_refund   the same call again, same unique_request_id (Juspay refuses it)
//
// Each step is {"ok": true, "http_status": N, "body": {...}} with the SDK's parsed answer (its `http` block
// left out), or {"ok": false, "error": {...}} with the SDK's error class and the fields it parsed.
// tests/sdk/test_official_sdk.py runs it (cwd = tests/sdk) and asserts on the output.
//
// Environment: JUSPAY_BASE_URL (https://host:port), JUSPAY_API_KEY, JUSPAY_MERCHANT_ID, ORDER_ID,
// REFUND_UNIQUE_REQUEST_ID, REFUND_AMOUNT; NODE_EXTRA_CA_CERTS names the simulator's self-signed certificate.
//
// The SDK is called exactly as a merchant would call it; what this script sets up around it, and why:
// - Its logger is silenced: by default it writes logs/juspay-sdk.log under the working directory.
// - SDK 1.0.0 cannot reach a port other than 443. JuspayResource.makeServiceCall passes `host: url.host` to
//   https.request, and url.host carries the port ("127.0.0.1:8443"), so Node asks the resolver for the
//   name "127.0.0.1:8443" and fails with ENOTFOUND. With Juspay's own URLs (port 443) url.host has no port
//   and the call works. The simulator listens on a free port, so this script strips ":<port>" from `host`
//   in the options https.request receives, for the target host and port only; `port` is passed as it is.
//   The SDK's request itself (path, query, headers, body) is untouched.
// - The SDK also always speaks HTTPS (it compares url.protocol with 'http', which is never equal to
//   'http:'), which is why the simulator is served over TLS.
// - The SDK reads its User-Agent version from package.json in the working directory (Juspay.getSdkPackage),
//   so this folder's package.json has version 1.0.0, the SDK's own, and the script must run from here.
'use strict';

const fs = require('fs');
const https = require('https');
const path = require('path');

function required(name) {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`official_sdk_contract: set ${name}\n`);
    process.exit(2);
  }
  return value;
}

const baseUrl = new URL(required('JUSPAY_BASE_URL'));
const apiKey = required('JUSPAY_API_KEY');
const merchantId = required('JUSPAY_MERCHANT_ID');
const orderId = required('ORDER_ID');
const uniqueRequestId = required('REFUND_UNIQUE_REQUEST_ID');
const amount = required('REFUND_AMOUNT');

// The port workaround described above: only for the target, only when `host` is "<hostname>:<port>".
const targetHost = baseUrl.host;
const sendHttps = https.request;
https.request = function requestWithoutPortInHost(options, ...rest) {
  if (options && typeof options === 'object' && options.host === targetHost && baseUrl.port) {
    options = { ...options, host: baseUrl.hostname, port: baseUrl.port };
  }
  return sendHttps.call(this, options, ...rest);
};

const { Juspay } = require('expresscheckout-nodejs');

Juspay.customLogger = Juspay.silentLogger;
const juspay = new Juspay({ apiKey, merchantId, baseUrl: baseUrl.origin, timeout: 15000 });

function withoutHttp(response) {
  const { http, ...body } = response;
  return { ok: true, http_status: http && http.statusCode, body };
}

function asError(error) {
  return {
    ok: false,
    error: {
      name: error.name,
      message: error.message,
      status: error.status,
      error_code: error.error_code,
      error_message: error.error_message,
      raw: error.raw,
    },
  };
}

function step(promise) {
  return promise.then(withoutHttp, asError);
}

function sdkVersion() {
  const manifest = path.join(path.dirname(require.resolve('expresscheckout-nodejs')), '..', '..', 'package.json');
  const { name, version } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  return { name, version };
}

async function main() {
  const refundBody = { unique_request_id: uniqueRequestId, amount };
  const result = { sdk: sdkVersion() };
  result.order_status = await step(juspay.order.status(orderId));
  result.refund = await step(juspay.order.refund(orderId, refundBody));
  result.repeated_refund = await step(juspay.order.refund(orderId, refundBody));
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((error) => {
  process.stderr.write(`official_sdk_contract: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
