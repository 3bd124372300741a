// The shared shape of the hcloud, cloudflare and random simulations: each resource type is a
// table of records in the provider's cloud file, keyed by id. A Kind states its input keys, which
// of them force a replacement (each with the real provider's source), which the API reads back
// on import, and what create/update/delete do to the cloud.
import type * as provider from "@pulumi/pulumi/provider";
import { withCloud, peekCloud } from "./cloud";
import { changedKeys, CloudError, gone, hasUnknown, isSecret, pick, plain, type Props } from "./values";

/** One change the provider made to its cloud, in order: what a scenario checks besides the engine's events. */
export interface Operation {
    op: "create" | "update" | "delete";
    table: string;
    id: string;
    name?: string;
}

export interface Cloud {
    nextId: number;
    tables: Record<string, Record<string, Props>>;
    operations?: Operation[];
    [extra: string]: unknown;
}

export const emptyCloud = (): Cloud => ({ nextId: 1000001, tables: {} });

export interface Kind {
    /** The table in the cloud file ("servers"). */
    table: string;
    inputs: readonly string[];
    /** input key → where the real provider says a change of it replaces the resource. */
    replaces: Record<string, string>;
    /** Input keys the real provider reads back from the API (import, refresh); the rest stay as they were. */
    readable: readonly string[];
    /** Optional+Computed input keys: left unset, they keep what the provider chose (no diff). */
    computed?: readonly string[];
    defaults?: Props;
    check?(news: Props): provider.CheckFailure[];
    /** Everything the cloud knows after a create: inputs plus computed outputs. `id` is the new id. */
    create(cloud: Cloud, inputs: Props, id: string, urn: string): { id: string; record: Props };
    update?(cloud: Cloud, id: string, olds: Props, news: Props, record: Props): Props;
    /** The table key of a Pulumi id (default: the id itself); `props` is the old state, empty on import. */
    key?(id: string, props: Props): string;
    /** The Pulumi id of a table key (default: the key itself). */
    idOf?(key: string): string;
    /** Throw a CloudError when the API would refuse the delete. */
    beforeDelete?(cloud: Cloud, id: string, record: Props): void;
    /** The real provider's Delete calls no API: the record stays in the cloud (the engine forgets it). */
    keepOnDelete?: boolean;
}

export function table(cloud: Cloud, name: string): Record<string, Props> {
    return (cloud.tables[name] ??= {});
}

export function newId(cloud: Cloud): string {
    return String(cloud.nextId++);
}

/** Re-wrap values the engine sent as secret, so the outputs stay secret (acceptSecrets: the engine does not re-annotate). */
function keepSecrets(outs: Props, like: Props): Props {
    const result: Props = { ...outs };
    for (const [k, v] of Object.entries(like)) if (isSecret(v) && result[k] !== undefined && !isSecret(result[k])) result[k] = { ...v, value: result[k] };
    return result;
}

export interface TableProviderOptions {
    name: string;
    version: string;
    kinds: Record<string, Kind>;
    invoke?(cloud: Cloud, token: string, args: Props): Props;
    /** A uniqueness check before create/update (name per project, record name+type+content). */
    unique?(cloud: Cloud, kind: Kind, inputs: Props, selfId?: string): void;
    /** The cloud before anything was written to its file (default: empty tables). */
    empty?: () => Cloud;
}

function log(c: Cloud, op: Operation["op"], kind: Kind, id: string, row: Props): void {
    (c.operations ??= []).push({ op, table: kind.table, id, ...(row.name !== undefined ? { name: String(row.name) } : {}) });
}

function kindOf(o: TableProviderOptions, urn: string): Kind {
    const type = urn.split("::")[2]?.split("$").pop() ?? "";
    const kind = o.kinds[type];
    if (!kind) throw new CloudError(`the simulated ${o.name} provider does not implement ${type}`);
    return kind;
}

export function tableProvider(o: TableProviderOptions): provider.Provider {
    const empty = o.empty ?? emptyCloud;
    const cloud = <R>(f: (c: Cloud) => R) => withCloud(o.name, empty, f);
    return {
        version: o.version,
        async check(urn, _olds, news) {
            const kind = kindOf(o, urn);
            const inputs: Props = { ...kind.defaults, ...news };
            for (const k of Object.keys(inputs)) if (inputs[k] === undefined || inputs[k] === null) delete inputs[k];
            return { inputs, failures: kind.check?.(inputs) ?? [] };
        },
        async diff(_id, urn, olds, news) {
            const kind = kindOf(o, urn);
            const changed = changedKeys(olds, news, kind.inputs, kind.computed);
            return { changes: changed.length > 0, replaces: changed.filter((k) => k in kind.replaces) };
        },
        async create(urn, inputs) {
            const kind = kindOf(o, urn);
            if (hasUnknown(inputs)) throw new CloudError(`create of ${urn} with unknown inputs`);
            const p = plain<Props>(inputs);
            return cloud((c) => {
                o.unique?.(c, kind, p);
                const made = kind.create(c, p, newId(c), urn);
                table(c, kind.table)[made.id] = made.record;
                const id = kind.idOf?.(made.id) ?? made.id;
                log(c, "create", kind, made.id, made.record);
                return { id, outs: keepSecrets({ ...made.record, id }, inputs) };
            });
        },
        async read(id, urn, props) {
            const kind = kindOf(o, urn);
            const old = plain<Props>(props ?? {});
            const key = kind.key?.(id, old) ?? id;
            const record = peekCloud(o.name, empty).tables[kind.table]?.[key];
            if (!record) return gone(id, props);
            id = kind.idOf?.(key) ?? key;
            // Defaults fill what a hand-written cloud record leaves out, as the provider's Read reports them.
            const kept = { ...kind.defaults, ...pick(old, kind.inputs.filter((k) => !kind.readable.includes(k))) };
            const state = keepSecrets({ ...kind.defaults, ...old, ...record, id }, props ?? {});
            return { id, props: state, inputs: keepSecrets({ ...kept, ...pick({ ...kind.defaults, ...record }, kind.readable) }, props ?? {}) };
        },
        async update(id, urn, olds, news) {
            const kind = kindOf(o, urn);
            const p = plain<Props>(news);
            return cloud((c) => {
                const rows = table(c, kind.table);
                const key = kind.key?.(id, plain(olds)) ?? id;
                const record = rows[key];
                if (!record) throw new CloudError(`${kind.table} ${id} not found (not_found)`);
                o.unique?.(c, kind, p, key);
                const next = kind.update ? kind.update(c, key, plain(olds), p, record) : { ...record, ...pick(p, kind.inputs) };
                // An input the program no longer sets is unset in the cloud too (unless the provider computes it).
                for (const k of kind.inputs) if (p[k] === undefined && !kind.computed?.includes(k)) delete next[k];
                rows[key] = next;
                log(c, "update", kind, key, next);
                return { outs: keepSecrets({ ...next, id }, news) };
            });
        },
        async delete(id, urn, props) {
            const kind = kindOf(o, urn);
            cloud((c) => {
                const rows = table(c, kind.table);
                const key = kind.key?.(id, plain(props ?? {})) ?? id;
                const record = rows[key];
                if (!record) return; // already gone: deleting is idempotent, as the real providers treat 404
                kind.beforeDelete?.(c, key, record);
                if (kind.keepOnDelete) return;
                delete rows[key];
                log(c, "delete", kind, key, record);
            });
        },
        async invoke(token, args) {
            if (!o.invoke) throw new CloudError(`the simulated ${o.name} provider has no function ${token}`);
            return { outputs: o.invoke(peekCloud(o.name, empty), token, plain(args)) };
        },
    };
}
