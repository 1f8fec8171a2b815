import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
 * Compiles the launcher once per machine (a folder under the OS temp dir keyed by the source's hash)
 * and returns the folder holding the class. Without a Java compiler (a JRE without the JDK) the
 * launcher is unavailable and the caller falls back to the plain jar.
 */
export function resolveLauncher(
  java: string,
  cacheRoot = join(tmpdir(), 'stepsaga-dynamodb-local'),
): LauncherResolution {
  const hash = createHash('sha256').update(LAUNCHER_SOURCE).digest('hex').slice(0, 16);
  const classDir = join(cacheRoot, hash);
  const cacheKey = `${java}\0${classDir}`;
  const known = resolved.get(cacheKey);
  if (known) return known;
  let result: LauncherResolution;
  if (existsSync(join(classDir, `${LAUNCHER_CLASS}.class`))) {
    result = { kind: 'compiled', classDir };
  } else {
    mkdirSync(cacheRoot, { recursive: true });
    // Compiled in a private folder and renamed into place, so concurrent starts (vitest workers)
    // never see a half-written class.
    const work = mkdtempSync(join(cacheRoot, `${basename(classDir)}-`));
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
        result = {
          kind: 'unavailable',
          reason: javac.error
            ? `no Java compiler (javac) was found: ${javac.error.message}`
            : `javac failed: ${javac.stderr.trim()}`,
        };
      } else {
        try {
          renameSync(work, classDir);
        } catch (error) {
          // Another process won the race; its class is identical.
          if (!existsSync(join(classDir, `${LAUNCHER_CLASS}.class`))) throw error;
        }
        result = { kind: 'compiled', classDir };
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  resolved.set(cacheKey, result);
  return result;
}
