import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { inodesOfLocalPort, loopbackClientPid } from '../../../helpers/loopback-clients.js';

const TABLE = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 20 4 30 10 -1',
  '   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1',
  '   3: 0100007F:C351 0100007F:1F90 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000',
].join('\n');

describe('loopback client identification', () => {
  it('finds the sockets bound to a local port, and skips sockets without an inode (TIME_WAIT)', () => {
    assert.deepEqual(inodesOfLocalPort(TABLE, 0xc350), ['1002']);
    assert.deepEqual(inodesOfLocalPort(TABLE, 0x1f90), ['1001', '1003']);
    assert.deepEqual(inodesOfLocalPort(TABLE, 0xc351), []);
  });

  it('tells which of two processes opened a connection', async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    const peers: number[] = [];
    server.on('connection', (socket) => {
      if (socket.remotePort !== undefined) peers.push(socket.remotePort);
    });
    const child = spawn(
      process.execPath,
      ['-e', `require('net').connect(${address.port}, '127.0.0.1'); setTimeout(() => {}, 30000);`],
      { stdio: 'ignore' },
    );
    const own = net.connect(address.port, '127.0.0.1');
    try {
      for (let attempt = 0; attempt < 100 && peers.length < 2; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(peers.length, 2, 'both connections accepted');
      const owners = peers.map((port) => loopbackClientPid(port, [process.pid, child.pid ?? -1]));
      assert.deepEqual(owners.sort(), [process.pid, child.pid].sort());
      assert.equal(loopbackClientPid(peers[0] ?? 0, [999_999_999]), undefined, 'no candidate holds it');
    } finally {
      own.destroy();
      child.kill('SIGKILL');
      server.close();
    }
  });
});
