/**
 * The program each Lambda worker thread runs, as source text: the worker is started with
 * `eval: true` so that it runs the same under tsx, vitest and plain Node without a build step.
 * It imports the function's bundled handler once (cold start) and then serves invocations one at a
 * time, answering with the result or with the error in the Node.js Lambda runtime's shape.
 */
export const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const nodeModule = require('node:module');
const dns = require('node:dns');

// Queue URLs of the SQS emulator live under *.localhost (loopback by RFC 6761), and the SQS SDK
// sends to the QueueUrl's host; not every resolver maps subdomains of localhost, so this one does.
const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof hostname === 'string' && hostname.endsWith('.localhost')) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    return;
  }
  return originalLookup.apply(this, arguments);
};

// The Lambda Node.js runtime ships the AWS SDK v3, and bundles (NodejsFunction) leave @aws-sdk/*
// external; resolve those from the project when the code folder does not have them.
if (typeof nodeModule.registerHooks === 'function') {
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !specifier.startsWith('@aws-sdk/')) throw error;
        for (const parentURL of workerData.runtimeModuleBases) {
          try {
            return nextResolve(specifier, { ...context, parentURL });
          } catch {}
        }
        throw error;
      }
    },
  });
}

let handlerPromise;

function runtimeError(errorType, errorMessage) {
  const error = new Error(errorMessage);
  error.name = errorType;
  error.lambdaRuntime = true;
  return error;
}

async function loadHandler() {
  const { codeDir, handler } = workerData;
  const dot = handler.lastIndexOf('.');
  const modulePath = handler.slice(0, dot);
  const exportPath = handler.slice(dot + 1);
  const candidates = ['.mjs', '.js', '.cjs'].map((ext) => join(codeDir, modulePath + ext));
  const file = candidates.find((candidate) => existsSync(candidate));
  if (!file) {
    throw runtimeError('Runtime.ImportModuleError', "Error: Cannot find module '" + modulePath + "'");
  }
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[exportPath] ?? mod.default?.[exportPath];
  if (typeof fn !== 'function') {
    throw runtimeError('Runtime.HandlerNotFound', handler + ' is undefined or not exported');
  }
  return fn;
}

function invokeHandler(fn, event, context) {
  if (fn.length < 3) return Promise.resolve().then(() => fn(event, context));
  return new Promise((resolve, reject) => {
    const callback = (error, value) => (error ? reject(error) : resolve(value));
    const returned = fn(event, context, callback);
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
  });
}

function errorShape(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

parentPort.on('message', async (message) => {
  const { id, event, context: base, deadline } = message;
  const context = {
    ...base,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    succeed: () => {},
    fail: () => {},
  };
  try {
    handlerPromise ??= loadHandler().catch((error) => {
      handlerPromise = undefined;
      throw error;
    });
    const fn = await handlerPromise;
    const result = await invokeHandler(fn, event, context);
    parentPort.postMessage({ id, ok: true, payload: result === undefined ? 'null' : JSON.stringify(result) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: errorShape(error) });
  }
});
`;
