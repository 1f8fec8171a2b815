import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * DynamoDB Local has no option to choose the interface it listens on: its Jetty server is built with
 * `new Server(port)`, which binds every interface, and its `-cors` default is `*`. So anyone on the
 * network (and any web page, through the browser) could read and write the local tables. This
 * launcher builds the same server from the same command line, sets the host of its connectors
 * before it starts, and exits the JVM when its standard input reaches end of file: the parent holds
 * the other end of that pipe, so the JVM cannot outlive the process that started it, even one
 * killed with SIGKILL.
 *
 * Reflection keeps the source free of compile-time dependencies on the jar (whose classes are only
 * on the class path at run time), so `javac` needs no class path and the class works with any jar
 * version that still names these members.
 */
export const LAUNCHER_CLASS = 'StepsagaDynamoDbLocal';

export const LAUNCHER_SOURCE = `import java.io.InputStream;
import java.lang.reflect.Field;

public final class ${LAUNCHER_CLASS} {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("stepsaga.bindHost", "127.0.0.1");
    Class<?> runner = Class.forName("com.amazonaws.services.dynamodbv2.local.main.ServerRunner");
    Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Field serverField = proxy.getClass().getDeclaredField("server");
    serverField.setAccessible(true);
    Object server = serverField.get(proxy);
    Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Object connector : connectors) {
      connector.getClass().getMethod("setHost", String.class).invoke(connector, host);
    }
    Thread watchdog = new Thread(() -> {
      try {
        InputStream in = System.in;
        byte[] buffer = new byte[256];
        while (in.read(buffer) >= 0) { }
      } catch (Exception ignored) { }
      Runtime.getRuntime().halt(0);
    }, "stepsaga-parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    proxy.getClass().getMethod("start").invoke(proxy);
  }
}
`;

export type LauncherResolution =
  | { readonly kind: 'compiled'; readonly classDir: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

const resolved = new Map<string, LauncherResolution>();

/** `javac` next to the `java` that will run DynamoDB Local, else on PATH. */
function javacFor(java: string): string {
  if (java.includes('/')) {
    const sibling = join(dirname(java), 'javac');
    if (existsSync(sibling)) return sibling;
  }
  return 'javac';
}

/**
 * Where the compiled class is kept: the user's cache folder, never a shared one such as /tmp, where
 * another user could plant a class that the JVM would then run.
 */
export function defaultLauncherCacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'stepsaga', 'dynamodb-local-launcher');
}

/** A cached class is used only from a folder this user owns and nobody else may write to. */
function isPrivateFolder(path: string): boolean {
  try {
    const stat = statSync(path);
    const uid = process.getuid?.();
    return stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

const hasClass = (dir: string) => existsSync(join(dir, `${LAUNCHER_CLASS}.class`)) && isPrivateFolder(dir);

/**
 * Compiles the launcher once per user (a folder keyed by the source's hash under `cacheRoot`) and
 * returns the folder holding the class. Without a Java compiler (a JRE without the JDK) the
 * launcher is unavailable and the caller falls back to the plain jar.
 */
export function resolveLauncher(java: string, cacheRoot = defaultLauncherCacheRoot()): LauncherResolution {
  const hash = createHash('sha256').update(LAUNCHER_SOURCE).digest('hex').slice(0, 16);
  const classDir = join(cacheRoot, hash);
  const cacheKey = `${java}\0${classDir}`;
  const known = resolved.get(cacheKey);
  if (known) return known;
  const result = hasClass(classDir)
    ? { kind: 'compiled' as const, classDir }
    : compile(java, cacheRoot, classDir);
  resolved.set(cacheKey, result);
  return result;
}

function compile(java: string, cacheRoot: string, classDir: string): LauncherResolution {
  let root = cacheRoot;
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch {
    // No writable cache folder (a read-only home in CI): compile into a private temp folder.
    root = mkdtempSync(join(tmpdir(), 'stepsaga-dynamodb-local-'));
  }
  // Compiled in a private folder (mkdtemp makes it 0700) and renamed into place, so concurrent
  // starts (vitest workers) never see a half-written class.
  const work = mkdtempSync(join(root, `${basename(classDir)}-`));
  let keep = false;
  try {
    writeFileSync(join(work, `${LAUNCHER_CLASS}.java`), LAUNCHER_SOURCE);
    const javac = spawnSync(
      javacFor(java),
      ['--release', '11', '-d', work, join(work, `${LAUNCHER_CLASS}.java`)],
      {
        encoding: 'utf8',
      },
    );
    if (javac.error || javac.status !== 0) {
      return {
        kind: 'unavailable',
        reason: javac.error
          ? `no Java compiler (javac) was found: ${javac.error.message}`
          : `javac failed: ${javac.stderr.trim()}`,
      };
    }
    if (root === cacheRoot) {
      try {
        renameSync(work, classDir);
        return { kind: 'compiled', classDir };
      } catch {
        // Another process won the race (its class is identical) ...
        if (hasClass(classDir)) return { kind: 'compiled', classDir };
      }
    }
    // ... or the cache cannot be used: this process keeps its own copy.
    keep = true;
    return { kind: 'compiled', classDir: work };
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}
