// A table that may be wider (or taller) than the window scrolls inside this frame, which can
// take the focus so a keyboard can scroll it too (WCAG 2.1.1; tables are allowed to scroll
// sideways, the page itself never is).
import type { ReactNode } from 'react';

/** The frame; `label` names the region for screen readers (usually the table's subject). */
export function ScrollArea({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0} data-testid={testId}>
      {children}
    </div>
  );
}
