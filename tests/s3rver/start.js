// Starts s3rver for the tests: node start.js <port> <directory> <bucket>...
// Prints "ready <port>" once listening; stops on SIGTERM.
const S3rver = require('@20minutes/s3rver');
const [port, directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  port: Number(port),
  address: '127.0.0.1',
  directory,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
server.run().then(() => console.log(`ready ${port}`)).catch((e) => { console.error(e); process.exit(1); });
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
