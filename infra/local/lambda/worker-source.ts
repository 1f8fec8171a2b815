/**
 * Module prefixes the Lambda Node.js runtime provides outside the deployment package (the AWS SDK v3
 * and the packages it is built from, under `/var/runtime/node_modules`). Only these are resolved
 * from outside the code folder: anything else a handler needs must be in its asset, as on AWS.
 */
export const RUNTIME_PROVIDED_MODULE_PREFIXES = ['@aws-sdk/', '@smithy/', '@aws-crypto/'] as const;

/** How long module loading (the init phase) may take, as on Lambda; not counted against the timeout. */
export const INIT_BUDGET_MS = 10_000;

/**
 * The program each Lambda worker thread runs, as source text: the worker is started with
 * `eval: true` so that it runs the same under tsx, vitest and plain Node without a build step.
 *
 * It loads the handler the way the Node.js Lambda runtime does with the code folder as `/var/task`:
 * a `.js` file is CommonJS unless a `package.json` inside the code folder says `"type": "module"`
 * (the project's own `package.json` above the folder does not count), `.mjs` is ESM, `.cjs` CJS.
 * Module loading is the init phase, reported to the parent so that the handler's timeout starts
 * after it. Invocations are served one at a time with the runtime's callback semantics: a promise
 * answers when it settles, `callback(null, value)` answers once the event loop is empty unless
 * `context.callbackWaitsForEmptyEventLoop` is false, and a plain return value is ignored.
 */
export const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');
const nodeModule = require('node:module');
const dns = require('node:dns');
const { ClientRequest } = require('node:http');

const { fileURLToPath } = require('node:url');
const codeDir = path.resolve(workerData.codeDir);

// An eval'd worker gets CommonJS globals (like node -e); an ES module handler on Lambda has none.
for (const name of ['require', 'module', 'exports', '__filename', '__dirname']) delete globalThis[name];

// Queue URLs of the SQS emulator live under *.localhost (loopback by RFC 6761), and the SQS SDK
// sends to the QueueUrl's host; not every resolver maps subdomains of localhost, so this one does,
// and the sync- prefixed loopback hosts too.
const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  // Step Functions clients send StartSyncExecution to the endpoint's host prefixed with "sync-".
  if (typeof hostname === 'string' && (hostname.endsWith('.localhost') || /^sync-(localhost|127\.0\.0\.1)$/.test(hostname))) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    return;
  }
  return originalLookup.apply(this, arguments);
};

// The Lambda Node.js runtime ships the AWS SDK v3, and bundles (NodejsFunction) leave @aws-sdk/*
// external: resolve those (and only those) from outside the code folder when it lacks them.
// Node looks for packages in every node_modules above the code folder, the project's included;
// Lambda has only the code folder and the runtime's modules. A bare import that lands outside the
// code folder and is not runtime-provided is refused, as it would fail on AWS.
function refuseOutsidePackage(specifier, context, resolved) {
  if (!context.parentURL || !context.parentURL.startsWith('file:') || !resolved.url.startsWith('file:')) return;
  if (/^(\.|\/|file:|node:)/.test(specifier) || nodeModule.isBuiltin(specifier) || runtimeProvided(specifier)) return;
  if (!insideCodeDir(fileURLToPath(context.parentURL)) || insideCodeDir(fileURLToPath(resolved.url))) return;
  const error = new Error("Cannot find module '" + specifier + "'\nRequire stack:\n- " + fileURLToPath(context.parentURL));
  error.code = 'MODULE_NOT_FOUND';
  throw error;
}
const runtimeProvided = (specifier) => workerData.runtimeModulePrefixes.some((p) => specifier.startsWith(p));
if (typeof nodeModule.registerHooks === 'function') {
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        const resolved = nextResolve(specifier, context);
        refuseOutsidePackage(specifier, context, resolved);
        return resolved;
      } catch (error) {
        const notFound = error && (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND');
        if (!notFound || !runtimeProvided(specifier)) throw error;
        for (const base of workerData.runtimeModuleBases) {
          try {
            return nextResolve(specifier, { ...context, parentURL: pathToFileURL(base).href });
          } catch {}
          try {
            const resolved = nodeModule.createRequire(base).resolve(specifier);
            return { url: pathToFileURL(resolved).href, shortCircuit: true };
          } catch {}
        }
        throw error;
      }
    },
  });
}

// With IAM in warn mode a function's DynamoDB and SQS clients reach the engines directly, without
// a proxy hop; each request to an engine is reported to the cloud, which evaluates it against the
// function's role and warns about a missing grant. A report is posted before the request is sent,
// so it reaches the cloud before the invocation's answer does. The SDK writes a request's body
// through ClientRequest.write/end, the only place the body of any client's request can be seen.
if (workerData.observedPorts) observeEngineCalls(workerData.observedPorts);
function observeEngineCalls(ports) {
  const chunks = Symbol('engine request body');
  const engineApi = (request) => {
    const host = request.getHeader('host');
    const port = typeof host === 'string' ? host.slice(host.lastIndexOf(':') + 1) : '';
    return ports[port];
  };
  const asBuffer = (chunk, encoding) =>
    typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : Buffer.from(chunk);
  const { write, end } = ClientRequest.prototype;
  ClientRequest.prototype.write = function (chunk, encoding) {
    if (chunk != null && typeof chunk !== 'function' && engineApi(this)) (this[chunks] ??= []).push(asBuffer(chunk, encoding));
    return write.apply(this, arguments);
  };
  ClientRequest.prototype.end = function (chunk, encoding) {
    const api = engineApi(this);
    if (api) {
      try {
        const parts = this[chunks] ?? [];
        if (chunk != null && typeof chunk !== 'function') parts.push(asBuffer(chunk, encoding));
        parentPort.postMessage({
          engineCall: {
            api,
            target: this.getHeader('x-amz-target') ?? '',
            path: this.path,
            body: Buffer.concat(parts).toString('utf8'),
          },
        });
      } catch {
        // A body that cannot be read is sent unevaluated rather than failing the function's call.
      }
    }
    return end.apply(this, arguments);
  };
}

const insideCodeDir = (file) => file === codeDir || file.startsWith(codeDir + path.sep);

// The runtime's rule: the nearest package.json decides, looking no further up than the code folder
// (nor past a node_modules folder); none means CommonJS.
function typeIsModule(dir) {
  for (let current = dir; insideCodeDir(current); current = path.dirname(current)) {
    if (current.endsWith(path.sep + 'node_modules')) return false;
    const manifest = path.join(current, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (current === codeDir) break;
  }
  return false;
}

// Node decides a .js file's format from the nearest package.json anywhere above it, which for a
// code folder inside the project is the project's own: compile the code folder's CommonJS-scoped
// .js files as CommonJS, as they would be in /var/task.
const loadJs = nodeModule._extensions['.js'];
nodeModule._extensions['.js'] = function loadLambdaJs(module, filename) {
  if (insideCodeDir(filename) && !typeIsModule(path.dirname(filename))) {
    return module._compile(readFileSync(filename, 'utf8'), filename);
  }
  return loadJs.call(this, module, filename);
};

function runtimeError(errorType, errorMessage) {
  const error = new Error(errorMessage);
  error.name = errorType;
  return error;
}

async function loadModule(file) {
  const esm = file.endsWith('.mjs') || (file.endsWith('.js') && typeIsModule(path.dirname(file)));
  if (esm) return import(pathToFileURL(file).href);
  return nodeModule.createRequire(file)(file);
}

async function loadHandler() {
  const { handler } = workerData;
  if (handler.includes('..')) {
    throw runtimeError(
      'Runtime.MalformedHandlerName',
      "'" + handler + "' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    );
  }
  const base = path.basename(handler);
  const moduleRoot = handler.slice(0, handler.length - base.length);
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match) throw runtimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const [, moduleName, handlerPath] = match;
  const stem = path.resolve(codeDir, moduleRoot, moduleName);
  const file = ['', '.js', '.mjs', '.cjs'].map((ext) => stem + ext).find((f) => existsSync(f) && !f.endsWith(path.sep));
  let mod;
  try {
    if (!file) {
      const error = new Error("Cannot find module '" + moduleName + "'\nRequire stack:\n- /var/runtime/index.mjs");
      error.code = 'MODULE_NOT_FOUND';
      throw error;
    }
    mod = await loadModule(file);
  } catch (error) {
    if (error instanceof SyntaxError) throw runtimeError('Runtime.UserCodeSyntaxError', String(error));
    if (error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND')) {
      throw runtimeError('Runtime.ImportModuleError', String(error));
    }
    throw error;
  }
  const fn = handlerPath.split('.').reduce((nested, key) => nested && nested[key], mod);
  if (!fn) throw runtimeError('Runtime.HandlerNotFound', handler + ' is undefined or not exported');
  if (typeof fn !== 'function') throw runtimeError('Runtime.HandlerNotFound', handler + ' is not a function');
  return fn;
}

// The runtime's own handles (this thread's message port, the stdout/stderr pipes) never count: the
// event loop is empty when nothing the handler started keeps it alive.
function eventLoopIsEmpty() {
  return process.getActiveResourcesInfo().every((type) => type === 'MessagePort');
}

function whenEventLoopEmpty(then) {
  const check = () => {
    if (eventLoopIsEmpty()) then();
    else setTimeout(check, 5).unref();
  };
  setTimeout(check, 0).unref();
}

function errorShape(error) {
  try {
    if (error instanceof Error || (error && typeof error.name === 'string' && typeof error.message === 'string' && typeof error.stack === 'string')) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

function serialize(result) {
  return result === undefined ? 'null' : JSON.stringify(result);
}

function invokeHandler(fn, event, base, deadline) {
  return new Promise((resolve) => {
    let finished = false;
    let waitForEmptyEventLoop = true;
    const finish = (outcome) => {
      if (finished) return;
      finished = true;
      resolve(outcome);
    };
    const succeedNow = (result) => {
      try {
        finish({ ok: true, payload: serialize(result) });
      } catch (error) {
        finish({ ok: false, error: errorShape(error) });
      }
    };
    const failNow = (error) => finish({ ok: false, error: errorShape(error) });
    // What answers once the event loop is empty: the callback's value, or null when no callback came.
    let onEmpty;
    const watchEventLoop = () => whenEventLoopEmpty(() => onEmpty && onEmpty());
    const callback = (error, result) => {
      if (error !== undefined && error !== null) return failNow(error);
      if (!waitForEmptyEventLoop) return succeedNow(result);
      onEmpty = () => succeedNow(result);
      watchEventLoop();
    };
    const done = (error, result) => {
      onEmpty = undefined;
      if (error !== undefined && error !== null) failNow(error);
      else succeedNow(result);
    };
    const context = {
      ...base,
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
      getRemainingTimeInMillis: () => Math.max(0, deadline() - Date.now()),
      done,
      succeed: (result) => done(null, result),
      fail: (error) => done(error === undefined || error === null ? 'handled' : error),
    };
    let returned;
    try {
      returned = fn(event, context, callback);
    } catch (error) {
      callback(error);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      Promise.resolve(returned).then(context.succeed, context.fail);
    } else if (fn.constructor?.name !== 'AsyncFunction') {
      // A handler that neither returns a promise nor calls back answers null once its work is done.
      onEmpty ??= () => succeedNow(null);
      watchEventLoop();
    }
  });
}

let handlerPromise;
let handlerDeadline = 0;

parentPort.on('message', async (message) => {
  const { id, event, context: base, timeoutMs } = message;
  if (!handlerPromise) {
    handlerPromise = loadHandler();
    try {
      await handlerPromise;
    } catch (error) {
      // A failed init is never retried in this sandbox: the parent discards it.
      parentPort.postMessage({ id, phase: 'init', ok: false, error: errorShape(error) });
      return;
    }
    parentPort.postMessage({ id, phase: 'init', ok: true });
  }
  const fn = await handlerPromise;
  handlerDeadline = Date.now() + timeoutMs;
  const outcome = await invokeHandler(fn, event, base, () => handlerDeadline);
  parentPort.postMessage({ id, ...outcome });
});
`;
