/**
 * A labelled text box for a number, kept as typed (the page parses it): `label` is shown, `name` is the accessible
 * name tests and screen readers find it by ("Amount", "Slippage").
 */
export function NumberField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (text: string) => void;
  /** Whole numbers only (a numeric keypad without the decimal point). */
  whole?: boolean;
  size?: number;
  placeholder?: string;
}) {
  return (
    <label>
      {props.label}
      <input
        aria-label={props.name}
        inputMode={props.whole ? "numeric" : "decimal"}
        placeholder={props.placeholder}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        size={props.size}
      />
    </label>
  );
}
