/** The two fields every way of pairing asks for: a one-time code, and what to call this device. */
export function CodeAndNameFields(props: {
  codeLabel: string;
  codeName: string;
  code: string;
  onCodeChange: (code: string) => void;
  /** `one-time-code` lets phones offer a code they just received; a recovery code is not one. */
  codeAutoComplete: "one-time-code" | "off";
  name: string;
  onNameChange: (name: string) => void;
  invalid: boolean;
}) {
  return (
    <>
      <label className="field">
        <span>{props.codeLabel}</span>
        <input
          name={props.codeName}
          value={props.code}
          onChange={(event) => props.onCodeChange(event.target.value)}
          autoComplete={props.codeAutoComplete}
          autoCapitalize="characters"
          spellCheck={false}
          required
          aria-invalid={props.invalid}
        />
      </label>
      <label className="field">
        <span>Device name</span>
        <input
          name="name"
          value={props.name}
          onChange={(event) => props.onNameChange(event.target.value)}
          maxLength={60}
          required
        />
      </label>
    </>
  );
}
