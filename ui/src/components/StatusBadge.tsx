// A status as a coloured label with its meaning as a tooltip.
import { isStatus, STATUS_HELP } from "../lib/status";

export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="badge badge-none">—</span>;
  return (
    <span className={`badge status-${status}`} title={isStatus(status) ? STATUS_HELP[status] : status}>
      {status}
    </span>
  );
}
