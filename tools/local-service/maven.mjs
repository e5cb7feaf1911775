// Fetching jars from Maven Central with `mvn` (it caches in ~/.m2): a generated pom whose runtime classpath
// is copied into a folder, or one artifact (a plugin archive) copied as is.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { run } from './process-control.mjs';

export const DEPENDENCY_PLUGIN_VERSION = '3.8.1';

export const mvnCommand = () => process.env.MVN || (process.platform === 'win32' ? 'mvn.cmd' : 'mvn');

/** A pom that only exists to resolve `dependencies` ([groupId, artifactId, version] each); `comment` says whose it is. */
export function classpathPom({ artifactId, version, comment, dependencies }) {
  const dep = ([g, a, v]) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- ${comment} -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>labsync.local</groupId>
  <artifactId>${artifactId}</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
${dependencies.map(dep).join('\n')}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>${DEPENDENCY_PLUGIN_VERSION}</version>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

export const sha256 = (text) => createHash('sha256').update(text).digest('hex');

async function mvn(args, { cwd, label }) {
  const cmd = mvnCommand();
  let result;
  try {
    result = await run(cmd, ['-q', '-B', ...args], { cwd, shell: process.platform === 'win32' });
  } catch {
    throw new Error(`${label}: Maven (\`${cmd}\`) is not installed or not on PATH; install Maven 3 or set MVN to its path`);
  }
  if (result.code !== 0) {
    process.stderr.write(result.out.split('\n').slice(-60).join('\n') + '\n');
    throw new Error(`${label}: provisioning failed (${cmd} exited with ${result.code}); is Maven installed and Maven Central reachable?`);
  }
}

/** Copies the runtime classpath of pomFile into outputDir. */
export function copyDependencies({ pomFile, outputDir, cwd, label }) {
  return mvn(['-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${outputDir}`, '-DincludeScope=runtime'], { cwd, label });
}

/** Copies one artifact (`group:artifact:version[:packaging[:classifier]]`) into outputDir, needing no pom. */
export function copyArtifact({ artifact, outputDir, cwd, label }) {
  return mvn([`org.apache.maven.plugins:maven-dependency-plugin:${DEPENDENCY_PLUGIN_VERSION}:copy`, `-Dartifact=${artifact}`, `-DoutputDirectory=${outputDir}`], { cwd, label });
}

/** The marker a completed provision leaves: matches when its `hash` is the expected one and `files` all exist in `dir`. */
export function provisionedOk(markerFile, hash, dir, files) {
  try {
    const marker = JSON.parse(fs.readFileSync(markerFile, 'utf8'));
    if (marker.pomHash !== hash) return false;
    const present = new Set(fs.readdirSync(dir));
    return files.every((f) => present.has(f));
  } catch {
    return false;
  }
}
