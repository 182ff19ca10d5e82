// FE addresses on which admission and the runtime parser must agree, with the answer both must give: the cases that
// once disagreed (admitted, then refused at run time) and their neighbours. Read by the unit parity test and by the
// e2e tier against the real API server's CEL rules.
const label = (length: number): string => 'a'.repeat(length);
const hostOfLength = (length: number): string =>
  Array.from({ length: Math.ceil(length / 64) }, () => label(63))
    .join('.')
    .slice(0, length)
    .replace(/\.$/, 'a');

export const ADDRESS_CORPUS: readonly [string, boolean][] = [
  ['10.0.0.1:9030', true],
  ['fe-0.fe.starrocks.svc:9030', true],
  ['fe-0.fe.starrocks.svc.cluster.local.:9030', true],
  ['[fd00::1]:9030', true],
  ['[::]:9030', true],
  ['[::ffff:10.0.0.1]:9030', true],
  ['[1:2:3:4:5:6:7:8]:9030', true],
  ['[1::2:3:4:5:6:7]:9030', true],
  ['1-2:9030', true],
  ['fe:1', true],
  ['fe:65535', true],
  // Once admitted, refused at run time:
  ['999.1.1.1:9030', false],
  [`${label(70)}.x:9030`, false],
  ['[1:2]:9030', false],
  // Neighbours:
  ['01.1.1.1:9030', false],
  ['1.2.3:9030', false],
  ['1.2.3.4.:9030', false],
  [`${label(63)}.x:9030`, true],
  [`${label(64)}.x:9030`, false],
  [`${hostOfLength(253)}:9030`, true],
  [`${hostOfLength(254)}:9030`, false],
  ['[1:2:3:4:5:6:7:8:9]:9030', false],
  ['[1::2::3]:9030', false],
  ['[1:2:3:4:5:6::1.2.3.4]:9030', false],
  ['[::ffff:01.2.3.4]:9030', false],
  ['fe:0', false],
  ['fe:09030', false],
  ['fe:65536', false],
  ['-fe:9030', false],
  ['fe-:9030', false],
  ['fe..x:9030', false],
  ['fe:9030:1', false],
  ["fe';DROP:9030", false],
  ['fd00::1:9030', false],
  [':9030', false],
];
