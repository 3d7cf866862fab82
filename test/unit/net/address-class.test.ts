import t from 'tap'
import { classifyAddress, type AddressClass } from '../../../src/net/address-class.ts'

const CASES: Record<AddressClass, string[]> = {
  public: ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '2606:4700::1111'],
  loopback: ['127.0.0.1', '127.255.255.254', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '::127.0.0.1',
    '0:0:0:0:0:0:0:1', '64:ff9b::7f00:1', '2002:7f00:1::'],
  private: ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '::ffff:10.1.2.3', '::ffff:192.168.0.1',
    '64:ff9b::a00:1', '2002:c0a8:101::1'],
  'unique-local': ['fc00::1', 'fd12:3456::1'],
  'link-local': ['169.254.169.254', '169.254.0.1', 'fe80::1', 'fe80::1%eth0', '::ffff:169.254.169.254', 'febf::1'],
  multicast: ['224.0.0.1', '239.255.255.250', 'ff02::1', '::ffff:224.0.0.1'],
  unspecified: ['0.0.0.0', '0.1.2.3', '::', '::ffff:0.0.0.0'],
  reserved: ['255.255.255.255', '240.0.0.1', '192.0.2.1', '198.51.100.7', '203.0.113.9', '198.18.0.1', '192.0.0.8',
    '2001:db8::1', 'fec0::1', '100::1'],
  invalid: ['example.com', 'localhost', '', '1.2.3', '256.1.1.1', '::g', '[example.com]']
}

for (const [expected, addresses] of Object.entries(CASES)) {
  t.test(expected, async t => {
    for (const address of addresses) t.equal(classifyAddress(address), expected, address)
  })
}
