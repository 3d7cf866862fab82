// Who may do what on the control plane. `admin` does everything; `finance` reads everything and adjusts budgets;
// no other scope reaches the control plane at all.
export type AdminAccess = 'read' | 'budget' | 'manage'

export const ADMIN_ACCESS: Record<AdminAccess, string> = {
  read: 'admin or finance',
  budget: 'admin or finance',
  manage: 'admin'
}

export function isControlPlaneKey (scopes: readonly string[]): boolean {
  return scopes.includes('admin') || scopes.includes('finance')
}

export function allows (scopes: readonly string[], access: AdminAccess): boolean {
  if (scopes.includes('admin')) return true
  return scopes.includes('finance') && access !== 'manage'
}
