// Add or edit an environment: credentials (AWS profile from the user's config, static keys sent
// straight to the OS keyring, or the default chain), a role assumed on top of them, regions,
// scope, endpoint, policy.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { AssumeRoleDto, EnvironmentDto, FeatureFlagsDto } from "../../bindings";
import { api } from "../../api";
import { ErrorNote } from "../../components/ErrorNote";
import { CATEGORIES } from "../../lib/status";
import { formatTags, parseTags, splitList } from "../../lib/format";

export const EMPTY_ENV: EnvironmentDto = {
  name: "",
  aliases: [],
  credentials: { source: "profile", profile: "" },
  assume_role: null,
  regions: ["us-east-1"],
  tags: {},
  ssm_prefix: null,
  vpcs: [],
  endpoint_url: null,
  may_differ_in: [],
  feature_flags: null,
};

const FLAG_FIELDS: { field: keyof FeatureFlagsDto; label: string; placeholder: string }[] = [
  { field: "table", label: "Table", placeholder: "none" },
  { field: "environment_attribute", label: "Environment attribute", placeholder: "environment" },
  { field: "name_attribute", label: "Name attribute", placeholder: "feature_name" },
];

/** The feature-flags settings with `change` applied (the app drops them when the table is empty). */
export function withFlags(current: FeatureFlagsDto | null, change: Partial<FeatureFlagsDto>): FeatureFlagsDto {
  return { table: "", environment_attribute: "", name_attribute: "", ...current, ...change };
}

const ROLE_FIELDS: { field: keyof AssumeRoleDto; label: string; placeholder: string }[] = [
  { field: "role_arn", label: "Role ARN", placeholder: "none (arn:aws:iam::123456789012:role/EnvParityReadOnly)" },
  { field: "external_id", label: "External id", placeholder: "optional" },
  { field: "session_name", label: "Session name", placeholder: "envparity" },
];

/** The assumed role with `change` applied (the app drops it when the role ARN is empty). */
export function withRole(current: AssumeRoleDto | null, change: Partial<AssumeRoleDto>): AssumeRoleDto {
  return { role_arn: "", external_id: "", session_name: "", ...current, ...change };
}

export function EnvironmentForm({ initial, editing, onDone }: { initial: EnvironmentDto; editing: boolean; onDone: () => void }) {
  const client = useQueryClient();
  const profiles = useQuery({ queryKey: ["aws-profiles"], queryFn: api.awsProfiles });
  const [env, setEnv] = useState(initial);
  const [text, setText] = useState({
    aliases: initial.aliases.join(", "),
    regions: initial.regions.join(", "),
    vpcs: initial.vpcs.join(", "),
    tags: formatTags(initial.tags),
  });
  const [keys, setKeys] = useState({ access_key_id: "", secret_access_key: "", session_token: "" });
  const save = useMutation({
    mutationFn: async () => {
      const dto: EnvironmentDto = {
        ...env,
        aliases: splitList(text.aliases),
        regions: splitList(text.regions),
        vpcs: splitList(text.vpcs),
        tags: parseTags(text.tags),
      };
      await api.saveEnvironment(dto, editing);
      if (dto.credentials.source === "keyring" && keys.access_key_id && keys.secret_access_key) {
        await api.setStaticKeys(dto.name, { ...keys, session_token: keys.session_token || null });
      }
    },
    onSuccess: async () => {
      // The secret leaves the form's memory as soon as it is in the keyring.
      setKeys({ access_key_id: "", secret_access_key: "", session_token: "" });
      await client.invalidateQueries({ queryKey: ["environments"] });
      await client.invalidateQueries({ queryKey: ["matrix"] });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const source = env.credentials.source;
  return (
    <form className="form" onSubmit={submit} data-testid="environment-form">
      <div className="row2">
        <label>
          Name
          <input name="name" value={env.name} disabled={editing} onChange={(e) => setEnv({ ...env, name: e.target.value })} required />
        </label>
        <label>
          Aliases (tokens in resource names)
          <input value={text.aliases} placeholder="stg" onChange={(e) => setText({ ...text, aliases: e.target.value })} />
        </label>
      </div>
      <fieldset>
        <legend>Credentials</legend>
        {(["profile", "keyring", "default"] as const).map((s) => (
          <label key={s} className="inline">
            <input
              type="radio"
              name="source"
              value={s}
              checked={source === s}
              onChange={() =>
                setEnv({ ...env, credentials: s === "profile" ? { source: "profile", profile: profiles.data?.[0] ?? "" } : { source: s } })
              }
            />
            {s === "profile" ? "AWS profile" : s === "keyring" ? "Static keys (OS keyring)" : "Default credential chain"}
          </label>
        ))}
        {env.credentials.source === "profile" && (
          <label>
            Profile from your AWS config
            <input
              list="aws-profiles"
              value={env.credentials.profile}
              onChange={(e) => setEnv({ ...env, credentials: { source: "profile", profile: e.target.value } })}
            />
            <datalist id="aws-profiles">
              {(profiles.data ?? []).map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
            {profiles.data?.length === 0 && <small className="muted">No profiles found in ~/.aws/config.</small>}
          </label>
        )}
        {source === "keyring" && (
          <div className="keys">
            <p className="muted">
              Keys go straight to the OS keyring, never to the workspace database, and are never shown again. Leave empty to keep the stored keys.
            </p>
            <input
              name="access-key-id"
              placeholder="Access key id"
              autoComplete="off"
              value={keys.access_key_id}
              onChange={(e) => setKeys({ ...keys, access_key_id: e.target.value })}
            />
            <input
              name="secret-access-key"
              type="password"
              placeholder="Secret access key"
              autoComplete="off"
              value={keys.secret_access_key}
              onChange={(e) => setKeys({ ...keys, secret_access_key: e.target.value })}
            />
            <input
              type="password"
              placeholder="Session token (optional)"
              autoComplete="off"
              value={keys.session_token}
              onChange={(e) => setKeys({ ...keys, session_token: e.target.value })}
            />
          </div>
        )}
      </fieldset>
      <fieldset>
        <legend>Assume a role (optional: collect as this role, in its account)</legend>
        <div className="row3">
          {ROLE_FIELDS.map(({ field, label, placeholder }) => (
            <label key={field}>
              {label}
              <input
                name={`role-${field.replace(/_/g, "-")}`}
                value={env.assume_role?.[field] ?? ""}
                placeholder={placeholder}
                autoComplete="off"
                onChange={(e) => setEnv({ ...env, assume_role: withRole(env.assume_role, { [field]: e.target.value }) })}
              />
            </label>
          ))}
        </div>
      </fieldset>
      <div className="row2">
        <label>
          Regions
          <input name="regions" value={text.regions} onChange={(e) => setText({ ...text, regions: e.target.value })} />
        </label>
        <label>
          Endpoint URL (LocalStack, moto)
          <input
            name="endpoint-url"
            value={env.endpoint_url ?? ""}
            placeholder="optional"
            onChange={(e) => setEnv({ ...env, endpoint_url: e.target.value || null })}
          />
        </label>
      </div>
      <div className="row2">
        <label>
          Scope: tag filter (Key=Value per line)
          <textarea name="tags" rows={2} value={text.tags} onChange={(e) => setText({ ...text, tags: e.target.value })} />
        </label>
        <label>
          Scope: SSM prefix
          <input
            value={env.ssm_prefix ?? ""}
            placeholder={`/${env.name || "name"}/`}
            onChange={(e) => setEnv({ ...env, ssm_prefix: e.target.value || null })}
          />
          Scope: VPCs (logical names)
          <input value={text.vpcs} onChange={(e) => setText({ ...text, vpcs: e.target.value })} />
        </label>
      </div>
      <fieldset>
        <legend>Feature flags (optional DynamoDB table)</legend>
        <div className="row3">
          {FLAG_FIELDS.map(({ field, label, placeholder }) => (
            <label key={field}>
              {label}
              <input
                name={`flags-${field.replace(/_/g, "-")}`}
                value={env.feature_flags?.[field] ?? ""}
                placeholder={placeholder}
                onChange={(e) => setEnv({ ...env, feature_flags: withFlags(env.feature_flags, { [field]: e.target.value }) })}
              />
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Policy: may differ in</legend>
        {CATEGORIES.map((c) => (
          <label key={c} className="inline">
            <input
              type="checkbox"
              checked={env.may_differ_in.includes(c)}
              onChange={() =>
                setEnv({
                  ...env,
                  may_differ_in: env.may_differ_in.includes(c) ? env.may_differ_in.filter((x) => x !== c) : [...env.may_differ_in, c],
                })
              }
            />
            {c}
          </label>
        ))}
      </fieldset>
      <ErrorNote error={save.error} />
      <div className="actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={save.isPending}>
          {editing ? "Save" : "Add environment"}
        </button>
      </div>
    </form>
  );
}
