import { checkEndpointUrl, checkUrlShape, isPublicAddress, WebhookUrlRefused } from './webhook-url.policy';

const strict = { requireHttps: true, allowPrivateUrls: false, retryUnitMs: 1000, fanOutIntervalMs: 1000, republishAfterS: 120 };
const simulator = { ...strict, requireHttps: false, allowPrivateUrls: true };

describe('webhook URL rules', () => {
  it.each(['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::ffff:127.0.0.1', 'fe80::1', 'fc00::1', '224.0.0.1', 'not-an-ip'])(
    '%s is not public',
    (address) => expect(isPublicAddress(address)).toBe(false),
  );

  it.each(['8.8.8.8', '196.201.214.200', '2001:4860:4860::8888'])('%s is public', (address) => expect(isPublicAddress(address)).toBe(true));

  it('requires https outside simulator mode', () => {
    expect(() => checkUrlShape('http://hooks.example.com/x', strict)).toThrow(new WebhookUrlRefused('url must be https'));
    expect(checkUrlShape('https://hooks.example.com/x', strict).hostname).toBe('hooks.example.com');
    expect(checkUrlShape('http://127.0.0.1:9/x', simulator).port).toBe('9');
  });

  it('refuses other schemes, relative URLs and credentials in any mode', () => {
    for (const url of ['ftp://example.com/', '/relative', 'https://user:pw@example.com/', 'javascript:alert(1)']) {
      expect(() => checkUrlShape(url, simulator)).toThrow(WebhookUrlRefused);
    }
  });

  it('refuses private literals unless allowed, bracketed IPv6 included', () => {
    expect(() => checkUrlShape('https://[::1]/x', strict)).toThrow(/::1, a loopback/);
    expect(() => checkUrlShape('https://169.254.169.254/x', strict)).toThrow(/169\.254\.169\.254/);
    expect(checkUrlShape('https://[::1]/x', { ...strict, allowPrivateUrls: true }).hostname).toBe('[::1]');
  });

  it('refuses a name when any address it resolves to is private', async () => {
    const resolve = async (host: string) => (host === 'mixed.example' ? ['8.8.8.8', '10.1.2.3'] : ['8.8.4.4']);
    await expect(checkEndpointUrl('https://mixed.example/x', strict, resolve)).rejects.toThrow(/resolves to 10\.1\.2\.3/);
    await expect(checkEndpointUrl('https://public.example/x', strict, resolve)).resolves.toBeInstanceOf(URL);
    await expect(checkEndpointUrl('https://nowhere.example/x', strict, async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow(/does not resolve/);
  });
});
