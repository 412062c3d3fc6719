/** Matches `/a/{b}/c` templates against paths and extracts the named segments. */
export interface PathTemplate {
  template: string;
  match(path: string): Record<string, string> | null;
}

export function compilePathTemplate(template: string): PathTemplate {
  const names: string[] = [];
  const pattern = template
    .split('/')
    .map((segment) => {
      const name = /^\{([a-zA-Z_]+)\}$/.exec(segment)?.[1];
      if (!name) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(name);
      return '([^/]+)';
    })
    .join('/');
  const regex = new RegExp(`^${pattern}/?$`);
  return {
    template,
    match(path) {
      const found = regex.exec(path);
      if (!found) return null;
      const params: Record<string, string> = {};
      try {
        names.forEach((name, index) => {
          params[name] = decodeURIComponent(found[index + 1] ?? '');
        });
      } catch {
        // A malformed escape cannot name any resource.
        return null;
      }
      return params;
    },
  };
}
