// Local HTTP peers that speak the SIEM ingest protocols closely enough to check Arbiter's side of them, used by
// the integration tests and the benchmark: Splunk HEC (/services/collector/event), Elasticsearch /_bulk and a
// plain OCSF ndjson collector. Each validates what it receives (auth header, framing, required fields; OCSF
// events against the class's required attributes) and answers as the real product does, including failures.
import http from 'node:http';
import { validateOcsf } from '../../processors/sinks/siem/ocsf-schema.ts';

export interface Peer {
  readonly port: number;
  readonly url: string;
  /** Requests seen (including failed ones). */
  requests: number;
  /** Events accepted so far (also counted when keep is false). */
  stored: number;
  /** When set, every request is answered with this status (a SIEM in trouble). */
  failWith: number | undefined;
  stop(): Promise<void>;
}

/** GET /_stats answers {"stored": n, "requests": n} so a peer in another process can be read by a benchmark. */
async function listen(handler: http.RequestListener, port: number, stats: () => { stored: number; requests: number }): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    if (req.method === 'GET' && req.url === '/_stats') return answer(res, 200, stats());
    return handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr !== null ? addr.port : port };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function stopper(server: http.Server): () => Promise<void> {
  return () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export interface HecPeer extends Peer {
  /** Envelopes accepted, in arrival order. */
  readonly events: Record<string, unknown>[];
}

/** Splunk HEC: checks "Authorization: Splunk <token>", parses the concatenated envelopes, validates each event as OCSF. */
export async function startHecPeer(token: string, port = 0, keep = true): Promise<HecPeer> {
  const events: Record<string, unknown>[] = [];
  const peer = { requests: 0, stored: 0, failWith: undefined as number | undefined, events };
  const { server, port: bound } = await listen(async (req, res) => {
    const body = await readBody(req);
    peer.requests += 1;
    if (peer.failWith !== undefined) return answer(res, peer.failWith, { text: 'Server is busy', code: 9 });
    if (req.method !== 'POST' || req.url !== '/services/collector/event') return answer(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
    if (req.headers.authorization !== `Splunk ${token}`) return answer(res, 401, { text: 'Invalid authorization', code: 3 });
    const batch: Record<string, unknown>[] = [];
    const lines = body.split('\n').filter((l) => l.trim() !== '');
    for (const [i, line] of lines.entries()) {
      let env: Record<string, unknown>;
      try {
        env = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return answer(res, 400, { text: 'Invalid data format', code: 6, 'invalid-event-number': i });
      }
      const fields = env['fields'];
      const fieldsFlat = fields === undefined || (typeof fields === 'object' && fields !== null && Object.values(fields).every((v) => typeof v === 'string'));
      if (env['event'] === undefined || typeof env['time'] !== 'number' || !fieldsFlat || validateOcsf(env['event']).length > 0) {
        return answer(res, 400, { text: 'Invalid data format', code: 6, 'invalid-event-number': i });
      }
      batch.push(env);
    }
    if (batch.length === 0) return answer(res, 400, { text: 'No data', code: 5 });
    if (keep) events.push(...batch);
    peer.stored += batch.length;
    answer(res, 200, { text: 'Success', code: 0 });
  }, port, () => ({ stored: peer.stored, requests: peer.requests }));
  return Object.assign(peer, { port: bound, url: `http://127.0.0.1:${bound}`, stop: stopper(server) });
}

export interface BulkPeer extends Peer {
  /** Documents by "<index>/<id>". */
  readonly docs: Map<string, Record<string, unknown>>;
  /** Ids whose documents this peer refuses as unmappable (400 mapper_parsing_exception). */
  readonly rejectIds: Set<string>;
  /** Items answered 409 because the id existed (redeliveries). */
  conflicts: number;
}

/** Elasticsearch /_bulk with `create` actions: per-item statuses, 409 for an existing _id, ECS basics checked. */
export async function startBulkPeer(port = 0, keep = true): Promise<BulkPeer> {
  const docs = new Map<string, Record<string, unknown>>();
  const peer = { requests: 0, stored: 0, failWith: undefined as number | undefined, docs, rejectIds: new Set<string>(), conflicts: 0 };
  const { server, port: bound } = await listen(async (req, res) => {
    const body = await readBody(req);
    peer.requests += 1;
    if (peer.failWith !== undefined) return answer(res, peer.failWith, { error: { type: 'cluster_block_exception' }, status: peer.failWith });
    if (req.method !== 'POST' || req.url !== '/_bulk') return answer(res, 404, { error: 'no handler' });
    if (!String(req.headers['content-type']).startsWith('application/x-ndjson')) return answer(res, 406, { error: 'Content-Type must be application/x-ndjson' });
    if (!body.endsWith('\n')) return answer(res, 400, { error: { type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' } });
    const lines = body.split('\n');
    lines.pop();
    if (lines.length % 2 !== 0) return answer(res, 400, { error: { type: 'illegal_argument_exception', reason: 'action without document' } });
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i] ?? '') as { create?: { _index?: string; _id?: string } };
      const doc = JSON.parse(lines[i + 1] ?? '') as Record<string, unknown>;
      const index = action.create?._index;
      const id = action.create?._id;
      if (index === undefined || id === undefined) return answer(res, 400, { error: { type: 'action_request_validation_exception', reason: 'create needs _index and _id' } });
      const key = `${index}/${id}`;
      const ecsOk = typeof doc['@timestamp'] === 'string' && typeof (doc['ecs'] as { version?: unknown } | undefined)?.version === 'string'
        && typeof (doc['event'] as { kind?: unknown } | undefined)?.kind === 'string';
      if (!ecsOk || peer.rejectIds.has(id)) {
        errors = true;
        items.push({ create: { _index: index, _id: id, status: 400, error: { type: 'mapper_parsing_exception', reason: `failed to parse document ${id}` } } });
      } else if (docs.has(key)) {
        errors = true;
        peer.conflicts += 1;
        items.push({ create: { _index: index, _id: id, status: 409, error: { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists` } } });
      } else {
        docs.set(key, keep ? doc : {});
        peer.stored += 1;
        items.push({ create: { _index: index, _id: id, status: 201, result: 'created' } });
      }
    }
    answer(res, 200, { took: 1, errors, items });
  }, port, () => ({ stored: peer.stored, requests: peer.requests }));
  return Object.assign(peer, { port: bound, url: `http://127.0.0.1:${bound}`, stop: stopper(server) });
}

export interface OcsfPeer extends Peer {
  readonly events: Record<string, unknown>[];
}

/** An OCSF ndjson collector at /ingest: every line must be a valid OCSF event of a known class, else 400. */
export async function startOcsfPeer(port = 0, keep = true): Promise<OcsfPeer> {
  const events: Record<string, unknown>[] = [];
  const peer = { requests: 0, stored: 0, failWith: undefined as number | undefined, events };
  const { server, port: bound } = await listen(async (req, res) => {
    const body = await readBody(req);
    peer.requests += 1;
    if (peer.failWith !== undefined) return answer(res, peer.failWith, { error: 'unavailable' });
    if (req.method !== 'POST' || req.url !== '/ingest') return answer(res, 404, { error: 'not found' });
    const batch = body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const problems = batch.flatMap((e, i) => validateOcsf(e).map((p) => `event ${i}: ${p}`));
    if (problems.length > 0) return answer(res, 400, { error: problems });
    if (keep) events.push(...batch);
    peer.stored += batch.length;
    answer(res, 202, { accepted: batch.length });
  }, port, () => ({ stored: peer.stored, requests: peer.requests }));
  return Object.assign(peer, { port: bound, url: `http://127.0.0.1:${bound}/ingest`, stop: stopper(server) });
}
