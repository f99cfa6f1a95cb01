import { serverRoot } from '../../../../src/http/routes/docs';

describe('serverRoot (servers[0] of the served API description)', () => {
  it.each([
    // the public BASE_URL's host: its scheme and path prefix (a TLS-terminating proxy keeps https)
    [{ protocol: 'http', host: 'kolibri.example.dk' }, 'https://kolibri.example.dk/fhir', 'https://kolibri.example.dk'],
    [{ protocol: 'http', host: 'KOLIBRI.example.dk' }, 'https://kolibri.example.dk/kolibri/fhir', 'https://kolibri.example.dk/kolibri'],
    // any other host: the request's own scheme, host and port
    [{ protocol: 'http', host: '127.0.0.1:9090' }, 'http://127.0.0.1:8080/fhir', 'http://127.0.0.1:9090'],
    [{ protocol: 'https', host: 'localhost:8443' }, 'http://127.0.0.1:8080/fhir', 'https://localhost:8443'],
  ] as const)('%p with BASE_URL %p → %p', (request, baseUrl, root) => {
    expect(serverRoot(request, baseUrl)).toBe(root);
  });
});
