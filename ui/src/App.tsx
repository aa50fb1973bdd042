// The app frame: workspace bar, demo banner, navigation between the screens.
import { useCallback, useState } from "react";
import { WorkspaceBar } from "./features/workspace/WorkspaceBar";
import { MatrixScreen } from "./features/matrix/MatrixScreen";
import { EnvironmentsScreen } from "./features/environments/EnvironmentsScreen";
import { ExceptionsScreen } from "./features/exceptions/ExceptionsScreen";
import { SnapshotsScreen } from "./features/snapshots/SnapshotsScreen";
import { ExportScreen } from "./features/export/ExportScreen";
import { IncidentScreen } from "./features/incident/IncidentScreen";

const SCREENS = ["matrix", "incident", "environments", "exceptions", "snapshots", "export"] as const;
type Screen = (typeof SCREENS)[number];
const LABELS: Record<Screen, string> = {
  matrix: "Matrix",
  incident: "Compare for a service",
  environments: "Environments",
  exceptions: "Exceptions",
  snapshots: "Snapshots",
  export: "Export",
};

export function App() {
  const [screen, setScreen] = useState<Screen>("matrix");
  const [columns, setColumns] = useState<string[]>([]);
  const [generation, setGeneration] = useState(0);
  const onSwitched = useCallback(() => {
    setColumns([]);
    setGeneration((g) => g + 1);
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">EnvParity</span>
        <nav aria-label="Screens">
          {SCREENS.map((s) => (
            <button
              key={s}
              type="button"
              className={screen === s ? "on" : ""}
              aria-current={screen === s ? "page" : undefined}
              data-testid={`nav-${s}`}
              onClick={() => setScreen(s)}
            >
              {LABELS[s]}
            </button>
          ))}
        </nav>
        <WorkspaceBar onSwitched={onSwitched} />
      </header>
      <main key={generation}>
        {screen === "matrix" && <MatrixScreen columns={columns} onResetColumns={() => setColumns([])} />}
        {screen === "incident" && <IncidentScreen />}
        {screen === "environments" && <EnvironmentsScreen />}
        {screen === "exceptions" && <ExceptionsScreen />}
        {screen === "snapshots" && (
          <SnapshotsScreen
            onCompare={(c) => {
              setColumns(c);
              setScreen("matrix");
            }}
          />
        )}
        {screen === "export" && <ExportScreen />}
      </main>
    </div>
  );
}
