// The exception form: scope (resource and attribute globs, environments), justification
// (required), owner, expiry date, optional expected values per environment, ticket.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ExceptionDto, ExceptionInputDto } from "../../bindings";
import { api } from "../../api";
import { ErrorNote } from "../../components/ErrorNote";
import { askThen } from "../../lib/confirm";
import { toIpcError } from "../../lib/errors";

interface Props {
  initial: ExceptionInputDto;
  mode: "create" | "edit";
  environments: string[];
  /** Observed raw values per environment, offered as expected values. */
  observed?: Record<string, string | null>;
  onDone: (saved: ExceptionDto) => void;
  onCancel: () => void;
}

export function validateException(input: ExceptionInputDto): string | null {
  if (!input.resource.trim()) return "The resource pattern is required.";
  if (!input.attribute.trim()) return "The attribute pattern is required.";
  if (input.environments.length === 0) return "Choose at least one environment that may differ.";
  if (!input.justification.trim()) return "A justification is required: say why this difference is intentional.";
  if (!input.owner.trim()) return "An owner is required.";
  if (input.expires && !/^\d{4}-\d{2}-\d{2}$/.test(input.expires)) return "The expiry date must be YYYY-MM-DD.";
  return null;
}

export function ExceptionForm({ initial, mode, environments, observed, onDone, onCancel }: Props) {
  const [input, setInput] = useState<ExceptionInputDto>(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (i: ExceptionInputDto) => (mode === "create" ? api.addException(i) : api.editException(i)),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: ["matrix"] });
      await client.invalidateQueries({ queryKey: ["exceptions"] });
      onDone(saved);
    },
    // Another writer (a colleague, the CLI, CI) changed this exception since the form was
    // filled: nothing was saved. Offer to reload it rather than overwrite their change.
    onError: (e) => {
      const err = toIpcError(e);
      if (err.code !== "stale") return;
      void askThen(
        `${err.message}\n\nReload the exception? The changes in this form are discarded.`,
        "Changed by someone else",
        () => {
          void client.invalidateQueries({ queryKey: ["exceptions"] });
          void client.invalidateQueries({ queryKey: ["matrix"] });
          onCancel();
        },
      );
    },
  });
  const set = (patch: Partial<ExceptionInputDto>) => setInput({ ...input, ...patch });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = validateException(input);
    setProblem(p);
    const elements = input.elements?.map((x) => x.trim()).filter((x) => x !== "");
    if (!p) save.mutate({ ...input, elements });
  };
  const toggleEnv = (env: string) =>
    set({
      environments: input.environments.includes(env)
        ? input.environments.filter((x) => x !== env)
        : [...input.environments, env],
    });

  return (
    <form className="form" onSubmit={submit} data-testid="exception-form">
      <label>
        Resource (glob on the logical key)
        <input value={input.resource} onChange={(e) => set({ resource: e.target.value })} name="resource" />
      </label>
      <label>
        Attribute (glob)
        <input value={input.attribute} onChange={(e) => set({ attribute: e.target.value })} name="attribute" />
      </label>
      <fieldset>
        <legend>Environments allowed to differ</legend>
        {environments.map((env) => (
          <label key={env} className="inline">
            <input type="checkbox" checked={input.environments.includes(env)} onChange={() => toggleEnv(env)} />
            {env}
          </label>
        ))}
      </fieldset>
      <label>
        Justification (required)
        <textarea
          name="justification"
          rows={3}
          value={input.justification}
          placeholder="Why is this difference intentional?"
          onChange={(e) => set({ justification: e.target.value })}
        />
      </label>
      <div className="row2">
        <label>
          Owner
          <input name="owner" value={input.owner} onChange={(e) => set({ owner: e.target.value })} />
        </label>
        <label>
          Expires (review date)
          <input
            type="date"
            name="expires"
            value={input.expires ?? ""}
            onChange={(e) => set({ expires: e.target.value || null })}
          />
        </label>
      </div>
      <label>
        Ticket (optional)
        <input name="ticket" value={input.ticket ?? ""} onChange={(e) => set({ ticket: e.target.value || null })} />
      </label>
      {(input.elements?.length ?? 0) > 0 || mode === "edit" ? (
        <label>
          Accepted elements, one per line (optional; any other extra element makes it violated)
          <textarea
            name="elements"
            rows={Math.min(6, Math.max(2, input.elements?.length ?? 0))}
            value={(input.elements ?? []).join("\n")}
            onChange={(e) => set({ elements: e.target.value.split("\n") })}
          />
        </label>
      ) : null}
      <fieldset>
        <legend>Expected values (optional; the exception is violated when they stop matching)</legend>
        {input.environments.map((env) => (
          <div key={env} className="expected">
            <label className="inline">
              {env}
              <input
                value={input.expected[env] ?? ""}
                placeholder="any value"
                onChange={(e) => set({ expected: { ...input.expected, [env]: e.target.value } })}
              />
            </label>
            {observed?.[env] != null && (
              <button
                type="button"
                className="link"
                onClick={() => set({ expected: { ...input.expected, [env]: JSON.stringify(observed[env]) } })}
              >
                use current value
              </button>
            )}
          </div>
        ))}
      </fieldset>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <ErrorNote error={save.error} />
      <div className="actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={save.isPending} data-testid="save-exception">
          {mode === "create" ? "Create exception" : "Save changes"}
        </button>
      </div>
    </form>
  );
}
