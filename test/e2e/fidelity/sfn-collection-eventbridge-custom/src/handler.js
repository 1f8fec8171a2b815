// src/handler.py of the sample, in the Node.js the local cloud runs: print a line, return the same
// JSON text.
exports.handler = async (_event, _context) => {
  console.log('Hello from Lambda');

  const responseBody = { Status: 200 };

  return JSON.stringify(responseBody);
};
