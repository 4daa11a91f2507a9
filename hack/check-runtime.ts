// Refuses to run the test suite on anything but the Node.js major the project ships and tests on.
// npm scripts put node_modules/.bin first on PATH, so the `node` devDependency (Node 24 LTS from the
// npm registry) is what runs here even when the machine's own Node is older.
const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split(".")[0]);
if (major !== REQUIRED_MAJOR) {
  console.error(
    `Node.js ${REQUIRED_MAJOR} is required, found ${process.versions.node} at ${process.execPath}. ` +
      "Run `npm ci` first: it installs the pinned runtime into node_modules/.bin.",
  );
  process.exit(1);
}
