import { Component } from "preact";
import { html } from "./html.js";

/** Catches a rendering error and shows it with a reload button instead of an empty output. */
export class Boundary extends Component {
  constructor(props) {
    super(props);
    this.state = { error: null };
  }

  static getDerivedStateFromError(error) {
    return { error };
  }

  componentDidCatch(error) {
    this.setState({ error });
    if (typeof console !== "undefined") console.warn("kanban-widget: could not draw the board:", error);
  }

  render({ children, onReload }, { error }) {
    if (!error) return children;
    const message = (error && error.message) || String(error);
    return html`<div class="kb-crash" data-kanban-crash role="alert">
      <strong>The board could not be drawn.</strong>
      <p>${message}</p>
      <button type="button" class="kb-btn kb-primary" data-reload onClick=${() => {
        onReload();
        this.setState({ error: null });
      }}>Reload the board</button>
    </div>`;
  }
}
